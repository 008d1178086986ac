import { useMutation } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { errorMessage } from "../lib/errors";
import { formatDuration, relativeTime } from "../lib/format";

export type Thread = {
  commentId: Id<"comments">;
  authorName: string;
  body: string;
  timestampSeconds: number | null;
  createdAt: number;
  mine: boolean;
  replies: Omit<Thread, "replies">[];
};

/** Threaded comments. With `videoId` members can post and reply; without, read-only. */
export function Comments({ threads, videoId, onSeek, currentTime }: { threads: Thread[] | undefined; videoId?: Id<"videos">; onSeek: (s: number) => void; currentTime?: () => number }) {
  if (threads === undefined) return <p className="muted" role="status">Loading comments…</p>;
  return (
    <section aria-label="Comments" className="panel">
      <h2>Comments</h2>
      {threads.length === 0 && <p className="muted">No comments yet.</p>}
      <ul className="comments">
        {threads.map((t) => (
          <li key={t.commentId}>
            <CommentBody comment={t} onSeek={onSeek} />
            {t.replies.length > 0 && (
              <ul className="replies">
                {t.replies.map((r) => <li key={r.commentId}><CommentBody comment={r} onSeek={onSeek} /></li>)}
              </ul>
            )}
            {videoId && <CommentForm videoId={videoId} parentId={t.commentId} label="Reply" />}
          </li>
        ))}
      </ul>
      {videoId && <CommentForm videoId={videoId} label="Comment" currentTime={currentTime} />}
    </section>
  );
}

function CommentBody({ comment, onSeek }: { comment: Omit<Thread, "replies">; onSeek: (s: number) => void }) {
  return (
    <div>
      <strong>{comment.authorName}</strong> <span className="muted small">{relativeTime(comment.createdAt)}</span>{" "}
      {comment.timestampSeconds !== null && (
        <button type="button" className="link" onClick={() => onSeek(comment.timestampSeconds!)}>@{formatDuration(comment.timestampSeconds)}</button>
      )}
      <p>{comment.body}</p>
    </div>
  );
}

function CommentForm({ videoId, parentId, label, currentTime }: { videoId: Id<"videos">; parentId?: Id<"comments">; label: string; currentTime?: () => number }) {
  const add = useMutation(api.comments.add);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const body = String(data.get("body") ?? "").trim();
    if (!body) return setError("Write something first.");
    try {
      await add({ videoId, parentId, body, timestampSeconds: data.get("atTime") && currentTime ? currentTime() : undefined });
      form.reset();
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  return (
    <form onSubmit={submit} className="inline comment-form" aria-label={label}>
      <input name="body" aria-label={label} placeholder={parentId ? "Reply…" : "Add a comment…"} maxLength={5000} />
      {currentTime && <label className="inline small"><input type="checkbox" name="atTime" defaultChecked /> at current time</label>}
      <button type="submit" className="secondary">{label}</button>
      {error && <span className="error" role="alert">{error}</span>}
    </form>
  );
}
