import { useEffect, useState } from "react";

const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * The current time, refreshed every `everyMs` and exactly at each future deadline given,
 * so relative times ("added 1 minute ago") and statuses ("expired") change on their own.
 */
export function useNow(everyMs = 30_000, deadlines: ReadonlyArray<number | null | undefined> = []): number {
  const [now, setNow] = useState(() => Date.now());
  const next = deadlines.reduce<number | null>(
    (soonest, at) => (at != null && at > now && (soonest === null || at < soonest) ? at : soonest),
    null,
  );
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(tick);
  }, [everyMs]);
  useEffect(() => {
    if (next === null) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(MAX_TIMEOUT, next - Date.now() + 5));
    return () => clearTimeout(timer);
  }, [next]);
  return now;
}
