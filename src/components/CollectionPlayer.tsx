import type { FunctionReturnType } from "convex/server";
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import type { Id } from "../../convex/_generated/dataModel";
import { useNow } from "../hooks/useNow";
import { LinkExpiry } from "./LinkExpiry";
import { DownloadError, DownloadLink } from "./LazyDownload";
import { useTitle } from "../hooks/useTitle";
import { formatLength, plural } from "../lib/format";
import { liveApi, useLiveMutation, useLiveQuery } from "../lib/live";
import { CommentsLoading, ReconnectingBanner, useFocusedWhen } from "./ShareShell";

const Comments = lazy(() => import("./Comments").then((m) => ({ default: m.Comments })));

type CollectionView = NonNullable<FunctionReturnType<typeof liveApi.collections.getByShareGrant>>;

/**
 * A shared collection: the list of its videos (poster, title, duration) and a player that plays
 * them one after another. The list is live: a video deleted from the library drops out at once
 * (the one playing gives way to the first). Guests comment on the video playing, when the link allows.
 */
/** `focusTitle`: the viewer has just unlocked it (the password form is gone): the focus goes to its title. */
export function CollectionPlayer({
  view,
  grantToken,
  focusTitle = false,
}: {
  view: CollectionView;
  grantToken: string;
  focusTitle?: boolean;
}) {
  const title = useFocusedWhen(focusTitle);
  useTitle(view.title);
  // The video the address names (#2: the second), so a viewer can link to one and Back returns to the last.
  const [chosen, setChosenState] = useState<{ id: Id<"videos">; autoplay: boolean } | null>(() => videoAt(view, positionInHash()));
  const setChosen = (next: { id: Id<"videos">; autoplay: boolean }) => {
    const position = view.videos.findIndex((v) => v.videoId === next.id) + 1;
    if (position > 0 && location.hash !== `#${position}`) history.pushState(null, "", `#${position}`);
    setChosenState(next);
  };
  useEffect(() => {
    const follow = () => setChosenState(videoAt(view, positionInHash()));
    window.addEventListener("popstate", follow);
    return () => window.removeEventListener("popstate", follow);
  }, [view]);
  const player = useRef<HTMLVideoElement>(null);
  const now = useNow(30_000);
  const found = view.videos.findIndex((v) => v.videoId === chosen?.id);
  const index = Math.max(0, found);
  const current = view.videos[index] ?? null;
  // The chosen video left the collection: the player falls back to the first, and that is now the
  // viewer's choice (the same element plays on), so a video re-added later only reappears in the list.
  if (chosen !== null && found === -1) {
    setChosenState(current && { id: current.videoId, autoplay: chosen.autoplay });
  }
  const addComment = useLiveMutation(liveApi.comments.addAsGuest);
  const review = useLiveQuery(liveApi.comments.getGuestReview, current ? { grantToken, videoId: current.videoId } : "skip");
  const next = view.videos[index + 1];
  const total = view.videos.reduce((sum, v) => sum + (v.durationSeconds ?? 0), 0);
  return (
    <main className="share-shell wide">
      <p className="brand">Reelgate</p>
      <ReconnectingBanner />
      <h1 ref={title} tabIndex={-1}>
        {view.title}
      </h1>
      <p className="muted small">
        {plural(view.videos.length, "video")}
        {total > 0 && ` · ${formatLength(total)}`}
        {view.linkExpiresAt !== null && " · "}
        <LinkExpiry at={view.linkExpiresAt} now={now} className="" />
      </p>
      {view.note && (
        <p className="note" role="note">
          {view.note}
        </p>
      )}
      {view.description && <p>{view.description}</p>}
      {current === null ? (
        <p role="status" className="muted">
          This collection has no videos right now.
        </p>
      ) : (
        <>
          <h2 id="now-playing">{current.title}</h2>
          <video
            key={current.videoId}
            ref={player}
            src={current.mediaUrl}
            poster={current.posterUrl ?? undefined}
            controls
            playsInline
            autoPlay={chosen?.autoplay ?? false}
            preload="metadata"
            className="player"
            aria-labelledby="now-playing"
            controlsList={view.canDownload ? undefined : "nodownload"}
            onContextMenu={view.canDownload ? undefined : (e) => e.preventDefault()}
            onEnded={() => next && setChosen({ id: next.videoId, autoplay: true })}
          />
          <div className="actions">
            {current.durationSeconds !== null && <span className="muted">Length {formatLength(current.durationSeconds)}</span>}
            {current.downloadUrl && <DownloadLink id={current.videoId} url={current.downloadUrl} />}
            {next && (
              <button type="button" className="secondary" onClick={() => setChosen({ id: next.videoId, autoplay: true })}>
                Next: {next.title}
              </button>
            )}
          </div>
          <DownloadError id={current.videoId} />
          {current.description && <p>{current.description}</p>}
        </>
      )}
      <section aria-label="Videos in this collection" className="panel">
        <ol className="playlist">
          {view.videos.map((v, i) => (
            <li key={v.videoId}>
              <button
                type="button"
                className="playlist-item"
                aria-current={i === index ? "true" : undefined}
                onClick={() => setChosen({ id: v.videoId, autoplay: true })}
              >
                {v.posterUrl ? (
                  <img src={v.posterUrl} alt="" width={96} height={54} />
                ) : (
                  <span className="poster-placeholder" aria-hidden="true" />
                )}
                <span>{v.title}</span>
                {v.durationSeconds !== null && <span className="muted small">{formatLength(v.durationSeconds)}</span>}
              </button>
            </li>
          ))}
        </ol>
      </section>
      {current && review?.allowComments && (
        <Suspense fallback={<CommentsLoading />}>
          <Comments
            key={current.videoId}
            threads={review.threads}
            guest={{ grantToken, videoId: current.videoId, add: addComment }}
            onSeek={(s) => {
              if (player.current) player.current.currentTime = s;
            }}
            currentTime={() => player.current?.currentTime ?? 0}
          />
        </Suspense>
      )}
    </main>
  );
}

/** The 0-based position the address's hash names (#1 is the first video), or null. */
function positionInHash(): number | null {
  const match = /^#(\d{1,4})$/.exec(location.hash);
  return match ? Number(match[1]) - 1 : null;
}

/** The video at `position` (not autoplayed: the viewer came by an address or Back), or null for the first. */
function videoAt(view: CollectionView, position: number | null): { id: Id<"videos">; autoplay: boolean } | null {
  const video = position === null ? undefined : view.videos[position];
  return video ? { id: video.videoId, autoplay: false } : null;
}
