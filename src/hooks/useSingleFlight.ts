import { useCallback, useRef, useState } from "react";

/**
 * One piece of work at a time: `single(work)` runs `work` unless one is still running (a
 * double-click, a second Enter), in which case it does nothing and resolves to undefined.
 * Buttons stay enabled meanwhile (a disabled button drops keyboard focus); `busy` says one runs.
 */
export function useSingleFlight(): [busy: boolean, single: <T>(work: () => Promise<T>) => Promise<T | undefined>] {
  const running = useRef(false);
  const [busy, setBusy] = useState(false);
  const single = useCallback(async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    try {
      return await work();
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return [busy, single];
}
