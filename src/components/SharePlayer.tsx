import type { FunctionReturnType } from "convex/server";
import { lazy, Suspense, useRef } from "react";
import { useNow } from "../hooks/useNow";
import { LinkExpiry } from "./LinkExpiry";
import { DownloadError, DownloadLink } from "./LazyDownload";
import { useTitle } from "../hooks/useTitle";
import { formatLength, plural } from "../lib/format";
import { liveApi, useLiveMutation, useLiveQuery } from "../lib/live";
import { CommentsLoading, ReconnectingBanner, useFocusedWhen } from "./ShareShell";

// Loaded only when needed, so a viewer's first frame waits for neither: comments on links that take
// them, the ranged downloader on the first click of Download (DownloadLink.tsx).
const Comments = lazy(() => import("./Comments").then((m) => ({ default: m.Comments })));

type View = NonNullable<FunctionReturnType<typeof liveApi.videos.getByShareGrant>>;

/** The one video's download (DownloadLink.tsx keys each download; this page has one). */
const VIDEO = "video";

/** `focusTitle`: the viewer has just unlocked it (the password form is gone): the focus goes to its title. */
export function SharePlayer({ view, grantToken, focusTitle = false }: { view: View; grantToken: string; focusTitle?: boolean }) {
  const title = useFocusedWhen(focusTitle);
  useTitle(view.title);
  const review = useLiveQuery(liveApi.comments.getGuestReview, { grantToken });
  const facts = useLiveQuery(liveApi.teamLinks.viewerFacts, { grantToken });
  const addComment = useLiveMutation(liveApi.comments.addAsGuest);
  const player = useRef<HTMLVideoElement>(null);
  const now = useNow(30_000);
  const downloadsLeft = facts?.downloadsLeft ?? null;
  const canDownload = view.canDownload && view.downloadUrl !== null && downloadsLeft !== 0;
  // What is left for others; none left says nothing to this viewer, who is already watching
  // (and a used-up download limit has its own sentence below).
  const limits = [
    facts?.viewsLeft && `${plural(facts.viewsLeft, "view")} left`,
    facts?.viewersLeft && `${plural(facts.viewersLeft, "new viewer")} left`,
    downloadsLeft && `${plural(downloadsLeft, "download")} left`,
  ].filter(Boolean);
  // The last download used here: its link goes, and the focus goes to the sentence that says why.
  const hadDownload = useRef(false);
  const usedUpHere = view.canDownload && downloadsLeft === 0 && hadDownload.current;
  if (canDownload) hadDownload.current = true;
  const usedUpNote = useFocusedWhen<HTMLSpanElement>(usedUpHere);
  return (
    <main className="share-shell wide">
      <p className="brand">Reelgate</p>
      <ReconnectingBanner />
      <h1 ref={title} tabIndex={-1}>
        {view.title}
      </h1>
      <video
        ref={player}
        src={view.mediaUrl}
        poster={facts?.posterUrl ?? undefined}
        controls
        playsInline
        preload="metadata"
        className="player"
        aria-label={view.title}
        // Downloads off: no download item in the player's menu and no "Save video as…".
        controlsList={view.canDownload ? undefined : "nodownload"}
        onContextMenu={view.canDownload ? undefined : (e) => e.preventDefault()}
      />
      <div className="actions">
        {view.durationSeconds !== null && <span className="muted">Length {formatLength(view.durationSeconds)}</span>}
        {canDownload && <DownloadLink id={VIDEO} url={view.downloadUrl!} />}
        {view.canDownload && downloadsLeft === 0 && (
          <span className="muted" ref={usedUpNote} tabIndex={-1}>
            This link has reached its download limit.
          </span>
        )}
        <LinkExpiry at={view.linkExpiresAt} now={now} />
        {limits.length > 0 && (
          <span className="muted small" data-testid="limits">
            {limits.join(" · ")}
          </span>
        )}
      </div>
      <DownloadError id={VIDEO} />
      {view.note && (
        <p className="note" role="note">
          {view.note}
        </p>
      )}
      {view.description && <p>{view.description}</p>}
      {/* Comments only on links that allow them; the form goes as soon as the option is turned off. */}
      {review?.allowComments && (
        <Suspense fallback={<CommentsLoading />}>
          <Comments
            threads={review.threads}
            guest={{ grantToken, add: addComment }}
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
