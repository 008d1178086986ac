import { useEffect, useState } from "react";
import type { TokenStatus } from "../../convex/shareLinks";

/**
 * `shareLinks.getByToken`'s answer as time goes on. A query is re-run when what it read changes,
 * not when the clock passes a moment it compared with, so its answer goes stale twice a viewer
 * would see: a password link's expiry (the form would stay up, and a password entered after it
 * is refused as "expired" inside the form) and the end of a lock (the page would say "locked"
 * until a reload). Both are applied here, when they come.
 */
export function applyTime(status: TokenStatus, now: number, lockedUntil: number | undefined): TokenStatus {
  if (status.status !== "passwordRequired" && status.status !== "locked") return status;
  if (status.expiresAt !== undefined && now >= status.expiresAt) return { status: "expired" };
  if (status.status === "locked" && lockedUntil !== undefined && now >= lockedUntil)
    return status.expiresAt === undefined ? { status: "passwordRequired" } : { status: "passwordRequired", expiresAt: status.expiresAt };
  return status;
}

/** The next moment `applyTime` would answer differently, or undefined. */
function nextChange(status: TokenStatus, now: number, lockedUntil: number | undefined): number | undefined {
  const moments = [status.status === "locked" ? lockedUntil : undefined, "expiresAt" in status ? status.expiresAt : undefined];
  const ahead = moments.filter((m): m is number => m !== undefined && m > now);
  return ahead.length ? Math.min(...ahead) : undefined;
}

export function useTimedStatus(status: TokenStatus | undefined): TokenStatus | undefined {
  // When the lock of the answer now shown ends (retryAfterMs counts from its arrival).
  const [lock, setLock] = useState<{ for: TokenStatus; until: number } | null>(null);
  // Bumped when a moment passes, so the page draws again; the clock itself is read as it draws
  // (a grant that lapses with its link redraws the page at that moment, before any timer here).
  const [, setTick] = useState(0);
  useEffect(() => {
    if (status?.status === "locked" && status.retryAfterMs !== undefined) setLock({ for: status, until: Date.now() + status.retryAfterMs });
  }, [status]);
  const lockedUntil = lock && lock.for === status ? lock.until : undefined;
  const now = Date.now();
  const at = status && nextChange(status, now, lockedUntil);
  useEffect(() => {
    if (at === undefined) return;
    const timer = setTimeout(() => setTick((t) => t + 1), Math.min(Math.max(0, at - Date.now()) + 20, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [at]);
  return status && applyTime(status, now, lockedUntil);
}
