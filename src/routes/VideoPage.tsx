import { useQuery } from "convex/react";
import { useRef } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Comments } from "../components/Comments";
import { Header } from "../components/Header";
import { ShareManager } from "../components/ShareManager";
import { useCurrentTeam } from "../hooks/useCurrentTeam";
import { ErrorBoundary } from "../components/ErrorBoundary";

export function VideoPage() {
  const { videoId } = useParams() as { videoId: Id<"videos"> };
  return (
    <>
      <Header />
      <main className="page">
        <Link to="/">← Library</Link>
        <ErrorBoundary>
          <VideoDetails videoId={videoId} />
        </ErrorBoundary>
      </main>
    </>
  );
}

function VideoDetails({ videoId }: { videoId: Id<"videos"> }) {
  const { teams } = useCurrentTeam();
  const video = useQuery(api.videos.get, { videoId });
  const threads = useQuery(api.comments.getThreaded, video ? { videoId } : "skip");
  const player = useRef<HTMLVideoElement>(null);
  if (video === undefined) return <p className="muted" role="status">Loading video…</p>;
  const role = teams?.find((t) => t.teamId === video.teamId)?.role ?? "viewer";
  return (
    <div className="columns">
      <div>
        <h1>{video.title}</h1>
        {video.url ? <video ref={player} src={video.url} controls className="player" aria-label={video.title} /> : <p className="muted">This video is not ready.</p>}
        {video.description && <p>{video.description}</p>}
        <Comments
          threads={threads}
          videoId={role === "viewer" ? undefined : videoId}
          onSeek={(s) => {
            if (player.current) {
              player.current.currentTime = s;
              void player.current.play().catch(() => undefined);
            }
          }}
          currentTime={() => player.current?.currentTime ?? 0}
        />
      </div>
      <ShareManager videoId={videoId} canEdit={role !== "viewer"} ready={video.status === "ready"} />
    </div>
  );
}
