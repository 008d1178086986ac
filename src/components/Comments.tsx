import type { FunctionArgs, FunctionReturnType } from "convex/server";
import { useState, type FormEvent } from "react";
import type { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { REFUSALS } from "../../convex/lib/refusalTable";
import { errorMessage } from "../lib/errors";
import { formatDuration, relativeTime } from "../lib/format";

export type Thread = {
  commentId: Id<"comments">;
  authorName: string;
  isGuest: boolean;
  body: string;
  timestampSeconds: number | null;
  createdAt: number;
  mine: boolean;
  replies: Omit<Thread, "replies">[];
};

/**
 * A member on their video: posts, replies and deletes. The caller brings the mutations (convex/react
 * in the members' app), so this component loads on the share route without convex/react.
 */
export type MemberPosting = {
  videoId: Id<"videos">;
  add: (args: FunctionArgs<typeof api.comments.add>) => Promise<unknown>;
  remove: (args: FunctionArgs<typeof api.comments.remove>) => Promise<unknown>;
};

/** A guest on a share page that takes comments: they post through their grant (on `videoId`, for a collection). */
export type GuestPosting = {
  grantToken: string;
  videoId?: Id<"videos">;
  add: (args: FunctionArgs<typeof api.comments.addAsGuest>) => Promise<FunctionReturnType<typeof api.comments.addAsGuest>>;
};

/**
 * Threaded comments. With `member` members can post and reply, and delete their own
 * (`canModerate`: anyone's; `canDeleteGuests`: guests'); with `guest`, a share-page viewer
 * posts and replies under a name of their choice; with neither, read-only. Text is rendered
 * as text, never as markup.
 */
export function Comments({
  threads,
  member,
  guest,
  onSeek,
  currentTime,
  canModerate = false,
  canDeleteGuests = false,
}: {
  threads: Thread[] | undefined;
  member?: MemberPosting;
  guest?: GuestPosting;
  onSeek: (s: number) => void;
  currentTime?: () => number;
  canModerate?: boolean;
  canDeleteGuests?: boolean;
}) {
  const canDelete = (c: Omit<Thread, "replies">) => member !== undefined && (c.mine || canModerate || (c.isGuest && canDeleteGuests));
  if (threads === undefined)
    return (
      <p className="muted" role="status">
        Loading comments…
      </p>
    );
  return (
    <section aria-label="Comments" className="panel">
      <h2>Comments</h2>
      {threads.length === 0 && <p className="muted">No comments yet.</p>}
      <ul className="comments">
        {threads.map((t) => (
          <li key={t.commentId}>
            <CommentBody comment={t} onSeek={onSeek} remove={canDelete(t) ? member?.remove : undefined} />
            {t.replies.length > 0 && (
              <ul className="replies">
                {t.replies.map((r) => (
                  <li key={r.commentId}>
                    <CommentBody comment={r} onSeek={onSeek} remove={canDelete(r) ? member?.remove : undefined} />
                  </li>
                ))}
              </ul>
            )}
            {member && <CommentForm member={member} parentId={t.commentId} label="Reply" inputLabel={`Reply to ${t.authorName}`} />}
            {guest && <GuestCommentForm guest={guest} parentId={t.commentId} label="Reply" inputLabel={`Reply to ${t.authorName}`} />}
          </li>
        ))}
      </ul>
      {member && <CommentForm member={member} label="Comment" currentTime={currentTime} />}
      {guest && <GuestCommentForm guest={guest} label="Comment" currentTime={currentTime} />}
    </section>
  );
}

function CommentBody({
  comment,
  onSeek,
  remove,
}: {
  comment: Omit<Thread, "replies">;
  onSeek: (s: number) => void;
  /** Present when the viewer may delete this comment. */
  remove?: MemberPosting["remove"];
}) {
  const [error, setError] = useState<string | null>(null);
  return (
    <div>
      <strong>{comment.authorName}</strong>
      {comment.isGuest && (
        <>
          {" "}
          <span className="badge" title="Commented through a share link">
            guest
          </span>
        </>
      )}{" "}
      <span className="muted small">{relativeTime(comment.createdAt)}</span>{" "}
      {comment.timestampSeconds !== null && (
        <button type="button" className="link" onClick={() => onSeek(comment.timestampSeconds!)}>
          @{formatDuration(comment.timestampSeconds)}
        </button>
      )}
      <p>{comment.body}</p>
      {remove && (
        <button
          type="button"
          className="link small"
          aria-label={`Delete comment by ${comment.authorName}: ${comment.body.slice(0, 40)}`}
          onClick={() =>
            confirm("Delete this comment and its replies?") &&
            void remove({ commentId: comment.commentId }).catch((e) => setError(errorMessage(e)))
          }
        >
          Delete
        </button>
      )}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function CommentForm({
  member,
  parentId,
  label,
  inputLabel = label,
  currentTime,
}: {
  member: MemberPosting;
  parentId?: Id<"comments">;
  label: string;
  inputLabel?: string;
  currentTime?: () => number;
}) {
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const body = String(data.get("body") ?? "").trim();
    if (!body) return setError("Write something first.");
    try {
      await member.add({
        videoId: member.videoId,
        parentId,
        body,
        timestampSeconds: data.get("atTime") && currentTime ? currentTime() : undefined,
      });
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
      {currentTime && (
        <label className="inline small">
          <input type="checkbox" name="atTime" defaultChecked /> at current time
        </label>
      )}
      <button type="submit" className="secondary">
        {label}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

const NAME_KEY = "reelgate:guestName";

function storedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

/** A guest's comment or reply: the name they give is remembered in this browser for the next one. */
function GuestCommentForm({
  guest,
  parentId,
  label,
  inputLabel = label,
  currentTime,
}: {
  guest: GuestPosting;
  parentId?: Id<"comments">;
  label: string;
  inputLabel?: string;
  currentTime?: () => number;
}) {
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState(storedName);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const body = String(data.get("body") ?? "").trim();
    const who = name.trim();
    if (!who) return setError("Enter your name first.");
    if (!body) return setError("Write something first.");
    try {
      const result = await guest.add({
        grantToken: guest.grantToken,
        videoId: guest.videoId,
        name: who,
        parentId,
        body,
        timestampSeconds: data.get("atTime") && currentTime ? currentTime() : undefined,
      });
      if (!result.ok) return setError(REFUSALS[result.reason].words);
      try {
        localStorage.setItem(NAME_KEY, who);
      } catch {
        // Private mode: the name is simply asked again next time.
      }
      (form.elements.namedItem("body") as HTMLInputElement).value = "";
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  return (
    <form onSubmit={submit} className="inline comment-form" aria-label={parentId ? undefined : "Add a comment"}>
      <input
        name="guestName"
        aria-label={parentId ? `Your name (reply to ${inputLabel.replace(/^Reply to /, "")})` : "Your name"}
        placeholder="Your name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={60}
        autoComplete="name"
      />
      <input name="body" aria-label={inputLabel} placeholder={parentId ? "Reply…" : "Add a comment…"} maxLength={2000} />
      {currentTime && (
        <label className="inline small">
          <input type="checkbox" name="atTime" defaultChecked /> at current time
        </label>
      )}
      <button type="submit" className="secondary">
        {label}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
