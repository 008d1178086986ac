import { useMutation } from "convex/react";
import { useEffect, useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";

/** Renew a member grant this long before it runs out (grants last 10 minutes, convex/lib/memberGrants.ts). */
const RENEW_BEFORE_MS = 2 * 60 * 1000;

/**
 * A member's player URL: a short-lived grant on /media, renewed while the page is open. Every
 * request on it is checked (removing the member stops playback at once); no storage URL is used.
 */
export function usePlayback(videoId: Id<"videos">, ready: boolean) {
  const open = useMutation(api.playback.openPlayback);
  const [grant, setGrant] = useState<{ mediaUrl: string; posterUrl: string | null; expiresAt: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const renew = () =>
      open({ videoId })
        .then((next) => {
          if (cancelled) return;
          setGrant(next);
          timer = setTimeout(renew, Math.max(10_000, next.expiresAt - Date.now() - RENEW_BEFORE_MS));
        })
        .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)));
    renew();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [open, videoId, ready]);
  return { grant, error };
}

/** The library's posters: one short-lived grant for the team, `posterFor(videoId)` per card. */
export function usePosters(teamId: Id<"teams"> | undefined) {
  const open = useMutation(api.playback.openPosters);
  const [base, setBase] = useState<string | null>(null);
  useEffect(() => {
    if (!teamId) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const renew = () =>
      open({ teamId })
        .then((next) => {
          if (cancelled) return;
          setBase(next.posterBase);
          timer = setTimeout(renew, Math.max(10_000, next.expiresAt - Date.now() - RENEW_BEFORE_MS));
        })
        .catch(() => undefined);
    renew();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [open, teamId]);
  return (videoId: Id<"videos">) => (base ? `${base}?video=${encodeURIComponent(videoId)}` : null);
}
