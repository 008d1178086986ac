import { useMutation, useQuery } from "convex/react";
import { Link } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ApiKeys } from "../components/ApiKeys";
import { Header } from "../components/Header";
import { Members } from "../components/Members";
import { Upload } from "../components/Upload";
import { useCurrentTeam } from "../hooks/useCurrentTeam";
import { errorMessage } from "../lib/errors";
import { formatBytes, formatDuration, relativeTime } from "../lib/format";

export function Library() {
  const { teams, team } = useCurrentTeam();
  return (
    <>
      <Header />
      <main className="page">
        {teams === undefined ? (
          <p className="muted" role="status">Loading…</p>
        ) : !team ? (
          <section className="panel empty">
            <h1>Welcome to Reelgate</h1>
            <p>Create a team with <strong>New team</strong> above to start uploading videos.</p>
          </section>
        ) : (
          <>
            <h1>{team.name}</h1>
            <div className="columns">
              <div>
                {team.role !== "viewer" && <Upload teamId={team.teamId} />}
                <VideoList teamId={team.teamId} canEdit={team.role !== "viewer"} />
              </div>
              <div>
                <Members teamId={team.teamId} myRole={team.role} />
                {(team.role === "owner" || team.role === "admin") && <ApiKeys teamId={team.teamId} />}
              </div>
            </div>
          </>
        )}
      </main>
    </>
  );
}

function VideoList({ teamId, canEdit }: { teamId: Id<"teams">; canEdit: boolean }) {
  const videos = useQuery(api.videos.list, { teamId });
  const remove = useMutation(api.videos.remove);
  if (videos === undefined) return <p className="muted" role="status">Loading videos…</p>;
  if (videos.length === 0) return <p className="panel empty">No videos yet. Upload one to share it.</p>;
  return (
    <section aria-label="Videos" className="panel">
      <h2>Library</h2>
      <ul className="video-grid">
        {videos.map((v) => (
          <li key={v.videoId} className="video-card" data-status={v.status}>
            <div className="poster">{v.posterUrl ? <img src={v.posterUrl} alt="" /> : <span aria-hidden>▶</span>}</div>
            <div>
              {v.status === "ready" ? <Link to={`/videos/${v.videoId}`}>{v.title}</Link> : <strong>{v.title}</strong>}
              <div className="muted small">
                {v.status === "uploading" && "Uploading… · "}
                {v.status === "failed" && <span className="error">Failed: {v.failureReason} · </span>}
                {[v.status === "ready" ? formatDuration(v.durationSeconds) : "", v.status === "ready" ? formatBytes(v.size) : "", `added ${relativeTime(v.createdAt)}`]
                  .filter(Boolean)
                  .join(" · ")}
              </div>
            </div>
            {canEdit && (
              <button
                type="button"
                className="danger small"
                onClick={() => {
                  if (confirm(`Delete "${v.title}"? Its share links stop working at once.`)) {
                    remove({ videoId: v.videoId }).catch((e) => alert(errorMessage(e)));
                  }
                }}
              >
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
