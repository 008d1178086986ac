import { useMutation, useQuery } from "convex/react";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Comments } from "../components/Comments";
import { Header } from "../components/Header";
import { MemberPlayer } from "../components/MemberPlayer";
import { ShareDialog } from "../components/ShareDialog";
import { rememberTeam, useCurrentTeam } from "../hooks/useCurrentTeam";
import { useTitle } from "../hooks/useTitle";
import { ErrorBoundary } from "../components/ErrorBoundary";
import { errorMessage } from "../lib/errors";

export function VideoPage() {
  const { videoId } = useParams() as { videoId: Id<"videos"> };
  return (
    <>
      <Header />
      <main className="page">
        <Link to="/">← Library</Link>
        <ErrorBoundary what="Video" key={videoId}>
          <VideoDetails videoId={videoId} />
        </ErrorBoundary>
      </main>
    </>
  );
}

/** The title and description, edited in place by members. */
function VideoHeading({
  videoId,
  title,
  description,
  canEdit,
}: {
  videoId: Id<"videos">;
  title: string;
  description: string | undefined;
  canEdit: boolean;
}) {
  const update = useMutation(api.videos.update);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const [returnFocus, setReturnFocus] = useState(false);
  useEffect(() => {
    // After saving (or cancelling), focus goes back to the button that opened the form.
    if (!editing && returnFocus) {
      editButton.current?.focus();
      setReturnFocus(false);
    }
  }, [editing, returnFocus]);
  const done = () => {
    setEditing(false);
    setError(null);
    setReturnFocus(true);
  };
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = String(form.get("title") ?? "").trim();
    if (!next) return setError("Give the video a title.");
    try {
      await update({ videoId, title: next, description: String(form.get("description") ?? "") });
      done();
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  if (editing) {
    return (
      <form onSubmit={submit} className="stack edit-details" aria-label="Edit the video's details">
        <label>
          Video title
          <input name="title" defaultValue={title} maxLength={200} autoFocus required />
        </label>
        <label>
          Video description
          <textarea name="description" defaultValue={description ?? ""} maxLength={5000} rows={4} />
        </label>
        <p className="inline">
          <button type="submit">Save</button>
          <button type="button" className="secondary" onClick={done}>
            Cancel
          </button>
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    );
  }
  return (
    <>
      <div className="inline">
        <h1>{title}</h1>
        {canEdit && (
          <button type="button" className="secondary small" ref={editButton} onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
      </div>
      {description && <p className="description">{description}</p>}
    </>
  );
}

function VideoDetails({ videoId }: { videoId: Id<"videos"> }) {
  const { teams } = useCurrentTeam();
  const video = useQuery(api.videos.get, { videoId });
  const threads = useQuery(api.comments.getThreaded, video ? { videoId } : "skip");
  const player = useRef<HTMLVideoElement>(null);
  const addComment = useMutation(api.comments.add);
  const removeComment = useMutation(api.comments.remove);
  const [sharing, setSharing] = useState(false);
  useTitle(video?.title ?? null);
  // The header's team is the one this video belongs to (and the library it leads back to).
  useEffect(() => {
    if (video) rememberTeam(video.teamId);
  }, [video]);
  if (video === undefined)
    return (
      <p className="muted" role="status">
        Loading video…
      </p>
    );
  const role = teams?.find((t) => t.teamId === video.teamId)?.role ?? "viewer";
  return (
    <div>
      <VideoHeading videoId={videoId} title={video.title} description={video.description} canEdit={role !== "viewer"} />
      {/* Its links live in the share dialog, the same one the library opens: one dialog per video. */}
      <p className="actions">
        <button type="button" aria-haspopup="dialog" onClick={() => setSharing(true)}>
          Share
        </button>
      </p>
      {video.status === "ready" ? (
        <MemberPlayer ref={player} videoId={videoId} title={video.title} />
      ) : (
        <p className="muted">This video is not ready.</p>
      )}
      <Comments
        threads={threads}
        member={role === "viewer" ? undefined : { videoId, add: addComment, remove: removeComment }}
        canModerate={role === "admin" || role === "owner"}
        canDeleteGuests={role !== "viewer"}
        onSeek={(s) => {
          if (player.current) {
            player.current.currentTime = s;
            void player.current.play().catch(() => undefined);
          }
        }}
        currentTime={() => player.current?.currentTime ?? 0}
      />
      {sharing && (
        <ShareDialog
          videoId={videoId}
          title={video.title}
          canEdit={role !== "viewer"}
          ready={video.status === "ready"}
          onClose={() => setSharing(false)}
        />
      )}
    </div>
  );
}
