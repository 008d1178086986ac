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

/**
 * Threaded comments. With `videoId` members can post and reply, and delete their own
 * (`canModerate`: anyone's); without, read-only.
 */
export function Comments({ threads, videoId, onSeek, currentTime, canModerate = false }: { threads: Thread[] | undefined; videoId?: Id<"videos">; onSeek: (s: number) => void; currentTime?: () => number; canModerate?: boolean }) {
  const canDelete = (c: Omit<Thread, "replies">) => videoId !== undefined && (c.mine || canModerate);
  if (threads === undefined) return <p className="muted" role="status">Loading comments…</p>;
  return (
    <section aria-label="Comments" className="panel">
      <h2>Comments</h2>
      {threads.length === 0 && <p className="muted">No comments yet.</p>}
      <ul className="comments">
        {threads.map((t) => (
          <li key={t.commentId}>
            <CommentBody comment={t} onSeek={onSeek} canDelete={canDelete(t)} />
            {t.replies.length > 0 && (
              <ul className="replies">
                {t.replies.map((r) => <li key={r.commentId}><CommentBody comment={r} onSeek={onSeek} canDelete={canDelete(r)} /></li>)}
              </ul>
            )}
            {videoId && <CommentForm videoId={videoId} parentId={t.commentId} label="Reply" inputLabel={`Reply to ${t.authorName}`} />}
          </li>
        ))}
      </ul>
      {videoId && <CommentForm videoId={videoId} label="Comment" currentTime={currentTime} />}
    </section>
  );
}

function CommentBody({ comment, onSeek, canDelete }: { comment: Omit<Thread, "replies">; onSeek: (s: number) => void; canDelete: boolean }) {
  const remove = useMutation(api.comments.remove);
  const [error, setError] = useState<string | null>(null);
  return (
    <div>
      <strong>{comment.authorName}</strong> <span className="muted small">{relativeTime(comment.createdAt)}</span>{" "}
      {comment.timestampSeconds !== null && (
        <button type="button" className="link" onClick={() => onSeek(comment.timestampSeconds!)}>@{formatDuration(comment.timestampSeconds)}</button>
      )}
      <p>{comment.body}</p>
      {canDelete && (
        <button
          type="button"
          className="link small"
          aria-label={`Delete comment by ${comment.authorName}: ${comment.body.slice(0, 40)}`}
          onClick={() => confirm("Delete this comment and its replies?") && void remove({ commentId: comment.commentId }).catch((e) => setError(errorMessage(e)))}
        >
          Delete
        </button>
      )}
      {error && <span className="error" role="alert">{error}</span>}
    </div>
  );
}

function CommentForm({ videoId, parentId, label, inputLabel = label, currentTime }: { videoId: Id<"videos">; parentId?: Id<"comments">; label: string; inputLabel?: string; currentTime?: () => number }) {
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
    // Reply forms stay unnamed so they are not a row of landmarks all called "Reply"; their inputs say whom they answer.
    <form onSubmit={submit} className="inline comment-form" aria-label={parentId ? undefined : "Add a comment"}>
      <input name="body" aria-label={inputLabel} placeholder={parentId ? "Reply…" : "Add a comment…"} maxLength={5000} />
      {currentTime && <label className="inline small"><input type="checkbox" name="atTime" defaultChecked /> at current time</label>}
      <button type="submit" className="secondary">{label}</button>
      {error && <span className="error" role="alert">{error}</span>}
    </form>
  );
}
