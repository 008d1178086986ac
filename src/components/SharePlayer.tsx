import type { FunctionReturnType } from "convex/server";
import { lazy, Suspense, useRef, useState } from "react";
import { useNow } from "../hooks/useNow";
import { LinkExpiry } from "./LinkExpiry";
import { useTitle } from "../hooks/useTitle";
import { formatLength, plural } from "../lib/format";
import { liveApi, useLiveMutation, useLiveQuery } from "../lib/live";
import { CommentsLoading, ReconnectingBanner } from "./ShareShell";

// Loaded only when needed, so a viewer's first frame waits for neither: comments on links that take
// them, the ranged downloader on the first click of Download.
const Comments = lazy(() => import("./Comments").then((m) => ({ default: m.Comments })));
const loadDownloader = () => import("../lib/shareDownload");

type View = NonNullable<FunctionReturnType<typeof liveApi.videos.getByShareGrant>>;

/**
 * Downloads in the page, of any size: chunk-aligned ranges, each checked by the server (a revoke
 * stops the download at the next range), streamed to disk as one browser download by the
 * download service worker where it can run (lib/shareDownload.ts), with progress. A refusal
 * (limit reached, downloads turned off) is shown in words instead of navigating the tab to the JSON.
 */
function useDownload(url: string | null) {
  const [state, setState] = useState<{ busy: boolean; error: string | null; received: number; total: number }>({
    busy: false,
    error: null,
    received: 0,
    total: 0,
  });
  async function start() {
    if (!url || state.busy) return;
    setState({ busy: true, error: null, received: 0, total: 0 });
    try {
      const { downloadToDisk } = await loadDownloader();
      const error = await downloadToDisk(url, (received, total) => setState((s) => ({ ...s, received, total })));
      setState({ busy: false, error, received: 0, total: 0 });
    } catch {
      setState({ busy: false, error: "The download was interrupted. Check your connection and try again.", received: 0, total: 0 });
    }
  }
  return { ...state, start };
}

export function SharePlayer({ view, grantToken }: { view: View; grantToken: string }) {
  useTitle(view.title);
  const review = useLiveQuery(liveApi.comments.getGuestReview, { grantToken });
  const facts = useLiveQuery(liveApi.teamLinks.viewerFacts, { grantToken });
  const addComment = useLiveMutation(liveApi.comments.addAsGuest);
  const player = useRef<HTMLVideoElement>(null);
  const now = useNow(30_000);
  const download = useDownload(view.canDownload ? view.downloadUrl : null);
  const downloadsLeft = facts?.downloadsLeft ?? null;
  const canDownload = view.canDownload && view.downloadUrl !== null && downloadsLeft !== 0;
  const limits = [
    facts?.viewsLeft != null && `${plural(facts.viewsLeft, "view")} left`,
    facts?.viewersLeft != null && `${plural(facts.viewersLeft, "new viewer")} left`,
    downloadsLeft != null && `${plural(downloadsLeft, "download")} left`,
  ].filter(Boolean);
  return (
    <main className="share-shell wide">
      <p className="brand">Reelgate</p>
      <ReconnectingBanner />
      <h1>{view.title}</h1>
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
        {view.durationSeconds !== null && <span className="muted">{formatLength(view.durationSeconds)}</span>}
        {canDownload && (
          // A real link (copyable, and what scripts and tests read), but the click downloads in the page.
          <a
            className="button"
            href={view.downloadUrl!}
            download
            aria-disabled={download.busy}
            onClick={(e) => {
              e.preventDefault();
              void download.start();
            }}
          >
            {download.busy ? "Downloading…" : "Download"}
          </a>
        )}
        {download.busy && download.total > 0 && <progress aria-label="Download progress" max={download.total} value={download.received} />}
        {view.canDownload && downloadsLeft === 0 && <span className="muted">This link has reached its download limit.</span>}
        <LinkExpiry at={view.linkExpiresAt} now={now} />
        {limits.length > 0 && (
          <span className="muted small" data-testid="limits">
            {limits.join(" · ")}
          </span>
        )}
      </div>
      {download.error && (
        <p className="error" role="alert">
          {download.error}
        </p>
      )}
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
