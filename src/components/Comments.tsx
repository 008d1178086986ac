import type { FunctionArgs, FunctionReturnType } from "convex/server";
import { useState, useSyncExternalStore, type FormEvent, type ReactNode } from "react";
import type { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { REFUSALS } from "../../convex/lib/refusalTable";
import { errorMessage } from "../lib/errors";
import { formatDuration, relativePast } from "../lib/format";
import { listenerSet } from "../lib/listeners";
import { useSingleFlight } from "../hooks/useSingleFlight";

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
            {member && <MemberCommentForm member={member} parentId={t.commentId} label="Reply" inputLabel={`Reply to ${t.authorName}`} />}
            {guest && <GuestCommentForm guest={guest} parentId={t.commentId} label="Reply" inputLabel={`Reply to ${t.authorName}`} />}
          </li>
        ))}
      </ul>
      {member && <MemberCommentForm member={member} label="Comment" currentTime={currentTime} />}
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
      <span className="muted small">{relativePast(comment.createdAt)}</span>{" "}
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

/** Where a form stands: the thread it answers (none for a new comment) and the words it shows. */
type FormPlace = {
  parentId?: Id<"comments">;
  label: string;
  inputLabel?: string;
  currentTime?: () => number;
};

type Draft = { parentId?: Id<"comments">; body: string; timestampSeconds: number | undefined };

/**
 * The comment or reply form both members and guests use: text, "at current time", submit and the
 * error. `post` sends the draft and answers the words of a refusal, or null once it is posted;
 * `check` runs before the text is checked (a guest's name); `clears` says what goes after a post.
 */
function CommentForm({
  parentId,
  label,
  inputLabel = label,
  currentTime,
  maxLength,
  fields,
  check,
  post,
  clears,
}: FormPlace & {
  maxLength: number;
  fields?: ReactNode;
  check?: () => string | null;
  post: (draft: Draft) => Promise<string | null>;
  /** "form": it starts over; "text": only the comment's text is cleared (name and choices stay). */
  clears: "form" | "text";
}) {
  const [error, setError] = useState<string | null>(null);
  const [, single] = useSingleFlight();
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const body = String(data.get("body") ?? "").trim();
    const problem = check?.() ?? (body ? null : "Write something first.");
    if (problem) return setError(problem);
    // A double-click posts the comment once.
    await single(async () => {
      try {
        const refused = await post({ parentId, body, timestampSeconds: data.get("atTime") && currentTime ? currentTime() : undefined });
        if (refused) return setError(refused);
        if (clears === "form") form.reset();
        else (form.elements.namedItem("body") as HTMLInputElement).value = "";
        setError(null);
      } catch (e) {
        setError(errorMessage(e));
      }
    });
  }
  return (
    // Reply forms stay unnamed so they are not a row of landmarks all called "Reply"; their inputs say whom they answer.
    <form onSubmit={submit} className="inline comment-form" aria-label={parentId ? undefined : "Add a comment"}>
      {fields}
      <input name="body" aria-label={inputLabel} placeholder={parentId ? "Reply…" : "Add a comment…"} maxLength={maxLength} />
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

function MemberCommentForm({ member, ...place }: FormPlace & { member: MemberPosting }) {
  return (
    <CommentForm
      {...place}
      maxLength={5000}
      clears="form"
      post={async (draft) => {
        await member.add({ videoId: member.videoId, ...draft });
        return null;
      }}
    />
  );
}

const NAME_KEY = "reelgate:guestName";
/** Forms showing the remembered name: one posted from any form fills every other still untouched. */
const nameListeners = listenerSet();

function storedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

function rememberName(name: string) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Private mode: the name is simply asked again next time.
  }
  nameListeners.notify();
}

/** A guest's comment or reply: the name they give is remembered in this browser for the next one, in every form. */
function GuestCommentForm({ guest, ...place }: FormPlace & { guest: GuestPosting }) {
  const remembered = useSyncExternalStore(nameListeners.subscribe, storedName);
  const [typed, setName] = useState<string | null>(null);
  const name = typed ?? remembered;
  const { parentId, label, inputLabel = label } = place;
  return (
    <CommentForm
      {...place}
      maxLength={2000}
      clears="text"
      fields={
        <input
          name="guestName"
          aria-label={parentId ? `Your name (reply to ${inputLabel.replace(/^Reply to /, "")})` : "Your name"}
          placeholder="Your name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={60}
          autoComplete="name"
        />
      }
      check={() => (name.trim() ? null : "Enter your name first.")}
      post={async (draft) => {
        const who = name.trim();
        const result = await guest.add({ grantToken: guest.grantToken, videoId: guest.videoId, name: who, ...draft });
        if (!result.ok) return REFUSALS[result.reason].words;
        rememberName(who);
        return null;
      }}
    />
  );
}
