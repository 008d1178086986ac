import { useMutation, useQuery } from "convex/react";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ErrorBoundary } from "../components/ErrorBoundary";
import { Header } from "../components/Header";
import { ShareManager } from "../components/ShareManager";
import { rememberTeam, useCurrentTeam } from "../hooks/useCurrentTeam";
import { useTitle } from "../hooks/useTitle";
import { errorMessage } from "../lib/errors";
import { formatLength } from "../lib/format";

export function CollectionPage() {
  const { collectionId } = useParams() as { collectionId: Id<"collections"> };
  return (
    <>
      <Header />
      <main className="page">
        <Link to="/">← Library</Link>
        <ErrorBoundary what="Collection" key={collectionId}>
          <CollectionDetails collectionId={collectionId} />
        </ErrorBoundary>
      </main>
    </>
  );
}

/** A collection's title, its ordered videos (add, remove, move) and its share links. */
function CollectionDetails({ collectionId }: { collectionId: Id<"collections"> }) {
  const collection = useQuery(api.collections.get, { collectionId });
  const { teams } = useCurrentTeam();
  useTitle(collection?.title ?? "Collection");
  // The header's team is the one this collection belongs to.
  useEffect(() => {
    if (collection) rememberTeam(collection.teamId);
  }, [collection]);
  const role = teams?.find((t) => t.teamId === collection?.teamId)?.role;
  if (collection === undefined || role === undefined)
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  const canEdit = role !== "viewer";
  return (
    <div className="columns">
      <div>
        <h1>{collection.title}</h1>
        {collection.description && <p>{collection.description}</p>}
        <VideoOrder collectionId={collectionId} videos={collection.videos} canEdit={canEdit} />
        {canEdit && (
          <AddVideo
            collectionId={collectionId}
            teamId={collection.teamId}
            inCollection={new Set(collection.videos.map((v) => v.videoId))}
          />
        )}
        {canEdit && <DeleteCollection collectionId={collectionId} />}
      </div>
      <ShareManager collectionId={collectionId} canEdit={canEdit} ready={true} />
    </div>
  );
}

type Video = { videoId: Id<"videos">; title: string; durationSeconds: number | null; status: string; hasPoster: boolean };

export function VideoOrder({ collectionId, videos, canEdit }: { collectionId: Id<"collections">; videos: Video[]; canEdit: boolean }) {
  const reorder = useMutation(api.collections.reorder);
  const remove = useMutation(api.collections.removeVideo);
  const [error, setError] = useState<string | null>(null);
  const run = (p: Promise<unknown>) =>
    void p.then(
      () => setError(null),
      (e: unknown) => setError(errorMessage(e)),
    );
  // After a remove, focus goes to the Remove button of the video beside it (or the heading), not to the page.
  const removeButtons = useRef(new Map<string, HTMLButtonElement>());
  const heading = useRef<HTMLHeadingElement>(null);
  const removeAt = (i: number) => {
    const beside = videos[i + 1] ?? videos[i - 1];
    void remove({ collectionId, videoId: videos[i].videoId }).then(
      () => {
        setError(null);
        (beside ? removeButtons.current.get(beside.videoId) : heading.current)?.focus();
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  };
  const move = (from: number, to: number) => {
    const ids = videos.map((v) => v.videoId);
    const [moved] = ids.splice(from, 1);
    ids.splice(to, 0, moved);
    run(reorder({ collectionId, videoIds: ids }));
  };
  return (
    <section aria-label="Videos in this collection" className="panel">
      <h2 ref={heading} tabIndex={-1}>
        Videos
      </h2>
      {videos.length === 0 && <p className="muted">No videos yet: add some from the library.</p>}
      <ol className="rows">
        {videos.map((v, i) => (
          <li key={v.videoId} className="inline">
            <span className="grow">
              <Link to={`/videos/${v.videoId}`}>{v.title}</Link>
              {v.durationSeconds !== null && <span className="muted small"> {formatLength(v.durationSeconds)}</span>}
              {v.status !== "ready" && <span className="badge">{v.status}</span>}
            </span>
            {canEdit && (
              <>
                <button
                  type="button"
                  className="secondary small"
                  aria-label={`Move ${v.title} up`}
                  // aria-disabled, not disabled: the button keeps focus once its video reaches the top.
                  aria-disabled={i === 0}
                  onClick={() => i > 0 && move(i, i - 1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="secondary small"
                  aria-label={`Move ${v.title} down`}
                  aria-disabled={i === videos.length - 1}
                  onClick={() => i < videos.length - 1 && move(i, i + 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="secondary small"
                  aria-label={`Remove ${v.title} from the collection`}
                  ref={(button) => {
                    if (button) removeButtons.current.set(v.videoId, button);
                    else removeButtons.current.delete(v.videoId);
                  }}
                  onClick={() => removeAt(i)}
                >
                  Remove
                </button>
              </>
            )}
          </li>
        ))}
      </ol>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function AddVideo({
  collectionId,
  teamId,
  inCollection,
}: {
  collectionId: Id<"collections">;
  teamId: Id<"teams">;
  inCollection: Set<Id<"videos">>;
}) {
  const library = useQuery(api.videos.list, { teamId });
  const add = useMutation(api.collections.addVideo);
  const [error, setError] = useState<string | null>(null);
  const choices = (library ?? []).filter((v) => !inCollection.has(v.videoId));
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const videoId = String(new FormData(event.currentTarget).get("videoId") ?? "");
    const video = choices.find((v) => v.videoId === videoId);
    if (!video) return setError("Choose a video.");
    try {
      await add({ collectionId, videoId: video.videoId });
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  if (library !== undefined && choices.length === 0)
    return (
      <p className="muted small">
        {library.length === 0 ? "The library has no videos yet." : "Every library video is in this collection."}
      </p>
    );
  return (
    <form onSubmit={submit} className="inline" aria-label="Add a video">
      {/* A new key for each set of choices: the picker starts over at "Choose a video…" after an add. */}
      <select key={choices.length} name="videoId" aria-label="Video to add" defaultValue="">
        <option value="" disabled>
          Choose a video…
        </option>
        {choices.map((v) => (
          <option key={v.videoId} value={v.videoId}>
            {v.title}
          </option>
        ))}
      </select>
      <button type="submit" className="secondary">
        Add to collection
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

function DeleteCollection({ collectionId }: { collectionId: Id<"collections"> }) {
  const remove = useMutation(api.collections.remove);
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  return (
    <p>
      <button
        type="button"
        className="danger"
        onClick={() =>
          confirm("Delete this collection? Its share links stop working.") &&
          void remove({ collectionId }).then(
            () => navigate("/"),
            (e: unknown) => setError(errorMessage(e)),
          )
        }
      >
        Delete collection
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </p>
  );
}
