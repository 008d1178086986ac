import { useCallback, useEffect, useState } from "react";
import { liveApi, useLiveMutation } from "../lib/live";

type StoredGrant = { grantToken: string; expiresAt: number };
const RENEW_BEFORE_MS = 5 * 60 * 1000;

/** A random id this browser keeps, so a password lockout applies to this viewer only. */
export function viewerId(): string {
  const key = "reelgate.viewerId";
  let id = localStorage.getItem(key);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(key, id);
  }
  return id;
}

/**
 * The access grant for one share link, kept in sessionStorage under the link (never in a
 * URL) so a reload does not ask again, and renewed before it lapses while the page is open.
 */
export function useShareGrant(token: string) {
  const key = `reelgate.grant.${token}`;
  const [grant, setGrantState] = useState<StoredGrant | null>(() => {
    try {
      const stored = JSON.parse(sessionStorage.getItem(key) ?? "null") as StoredGrant | null;
      return stored && stored.expiresAt > Date.now() ? stored : null;
    } catch {
      return null;
    }
  });
  const renew = useLiveMutation(liveApi.shareGrants.renew);

  const setGrant = useCallback(
    (next: StoredGrant | null) => {
      if (next) sessionStorage.setItem(key, JSON.stringify(next));
      else sessionStorage.removeItem(key);
      setGrantState(next);
    },
    [key],
  );

  useEffect(() => {
    if (!grant) return;
    const wait = Math.max(0, grant.expiresAt - Date.now() - RENEW_BEFORE_MS);
    const timer = setTimeout(
      () => {
        renew({ grantToken: grant.grantToken })
          .then((result) => {
            if (result.ok && result.expiresAt > grant.expiresAt) setGrant({ grantToken: grant.grantToken, expiresAt: result.expiresAt });
            else if (!result.ok) setGrant(null);
          })
          .catch(() => undefined);
      },
      Math.min(wait, 2 ** 31 - 1),
    );
    return () => clearTimeout(timer);
  }, [grant, renew, setGrant]);

  return { grant, setGrant };
}
