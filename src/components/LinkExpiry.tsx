import { formatAbsolute, relativeTime } from "../lib/format";

/**
 * When a shared link stops opening, in the viewer's zone — nothing for a link that never expires.
 * Not the 24-hour grant's end: the share page renews its grant until the link itself expires.
 */
export function LinkExpiry({ at, now, className = "muted small" }: { at: number | null; now: number; className?: string }) {
  if (at === null) return null;
  return (
    <span className={className}>
      Link expires {relativeTime(at, now)} (<time dateTime={new Date(at).toISOString()}>{formatAbsolute(at)}</time>)
    </span>
  );
}
