/**
 * The listeners of a small module-level store read with useSyncExternalStore (the current team,
 * a guest's remembered name, the uploads running): `subscribe` for React, `notify` after a change.
 */
export function listenerSet() {
  const listeners = new Set<() => void>();
  return {
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    notify() {
      for (const listener of listeners) listener();
    },
  };
}
