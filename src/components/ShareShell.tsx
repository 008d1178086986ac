/** The pieces of the share page drawn before (and around) the player: loaded with the page itself. */
import { useEffect, useRef } from "react";
import { useLiveConnectionState } from "../lib/live";

/**
 * A ref for an element (focusable: tabIndex -1) that takes the focus when `focus` becomes true,
 * e.g. a player's title once the password form before it is gone. Here, in the page's own chunk,
 * so the players' chunks share it without one more request before the first frame.
 */
export function useFocusedWhen<T extends HTMLElement = HTMLHeadingElement>(focus: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return ref;
}

/** Shown while the WebSocket to the backend is down after it had connected once. */
export function ReconnectingBanner() {
  const state = useLiveConnectionState();
  if (!state.hasEverConnected || state.isWebSocketConnected) return null;
  return (
    <p className="banner" role="status">
      Connection lost — reconnecting…
    </p>
  );
}

/** The shape of the share page before anything is known, so the layout does not jump. */
export function ShareSkeleton() {
  return (
    <main className="share-shell wide" aria-busy="true">
      <p className="brand">Reelgate</p>
      <ReconnectingBanner />
      <div className="skeleton skeleton-title" />
      <div className="skeleton skeleton-player" />
      <p role="status" className="muted">
        Loading…
      </p>
    </main>
  );
}

/** While the comments' code loads (the same line the comments show while their data loads). */
export function CommentsLoading() {
  return (
    <p className="muted" role="status">
      Loading comments…
    </p>
  );
}
