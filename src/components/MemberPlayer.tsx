import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import type { Id } from "../../convex/_generated/dataModel";
import { usePlayback } from "../hooks/usePlayback";

/**
 * A member's player on /media through a short-lived member grant (never a storage URL). When the
 * grant is renewed the new URL takes over where playback was, playing or paused as it was.
 */
export const MemberPlayer = forwardRef<HTMLVideoElement | null, { videoId: Id<"videos">; title: string }>(function MemberPlayer(
  { videoId, title },
  ref,
) {
  const { grant, error } = usePlayback(videoId, true);
  const player = useRef<HTMLVideoElement>(null);
  useImperativeHandle<HTMLVideoElement | null, HTMLVideoElement | null>(ref, () => player.current);
  const url = grant?.mediaUrl ?? null;
  useEffect(() => {
    const el = player.current;
    if (!el || !url || el.getAttribute("src") === url) return;
    const resumeAt = el.currentSrc ? el.currentTime : 0;
    const wasPlaying = el.currentSrc !== "" && !el.paused;
    el.src = url;
    if (resumeAt > 0) el.currentTime = resumeAt;
    if (wasPlaying) void el.play().catch(() => undefined);
  }, [url]);
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!grant)
    return (
      <p className="muted" role="status">
        Opening the player…
      </p>
    );
  return <video ref={player} poster={grant.posterUrl ?? undefined} controls preload="metadata" className="player" aria-label={title} />;
});
