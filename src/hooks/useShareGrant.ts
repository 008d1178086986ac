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

const GRANT_PREFIX = "reelgate.grant.";

/** The grant stored under `key`, if it is well formed and not yet lapsed. */
function storedGrant(key: string, now: number): StoredGrant | null {
  try {
    const stored = JSON.parse(localStorage.getItem(key) ?? "null") as StoredGrant | null;
    return stored && typeof stored.grantToken === "string" && typeof stored.expiresAt === "number" && stored.expiresAt > now
      ? stored
      : null;
  } catch {
    return null;
  }
}

/** Drops lapsed (or unreadable) grants of any link, so the browser does not keep them past their 24 hours. */
export function forgetLapsedGrants(now = Date.now()) {
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const key = localStorage.key(i);
    if (key?.startsWith(GRANT_PREFIX) && !storedGrant(key, now)) localStorage.removeItem(key);
  }
}

/**
 * The access grant for one share link, kept in this browser under the link (localStorage, never
 * in a URL) for its 24 hours: a reload or another tab on the same link does not ask for the
 * password again. Renewed before it lapses while a page is open; lapsed ones are dropped.
 */
export function useShareGrant(token: string) {
  const key = `${GRANT_PREFIX}${token}`;
  const [grant, setGrantState] = useState<StoredGrant | null>(() => {
    forgetLapsedGrants();
    return storedGrant(key, Date.now());
  });
  const renew = useLiveMutation(liveApi.shareGrants.renew);

  const setGrant = useCallback(
    (next: StoredGrant | null) => {
      if (next) localStorage.setItem(key, JSON.stringify(next));
      else localStorage.removeItem(key);
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
