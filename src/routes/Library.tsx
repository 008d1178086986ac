import { useMutation, useQuery } from "convex/react";
import { useRef, useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { LibrarySort } from "../../convex/lib/search";
import type { VideoStatus } from "../../convex/lib/validators";
import { ApiKeys } from "../components/ApiKeys";
import { Collections } from "../components/Collections";
import { Header } from "../components/Header";
import { LinkSearch } from "../components/LinkSearch";
import { Members } from "../components/Members";
import { ShareDialog } from "../components/ShareDialog";
import { ResumeUpload, Upload } from "../components/Upload";
import { useCurrentTeam } from "../hooks/useCurrentTeam";
import { useUrlChoice, useUrlText } from "../hooks/useUrlChoice";
import { useNow } from "../hooks/useNow";
import { useActiveUploads, useUploadsElsewhere } from "../lib/activeUploads";
import { usePosters } from "../hooks/usePlayback";
import { errorMessage } from "../lib/errors";
import { formatBytes, formatLength, relativePast } from "../lib/format";

export function Library() {
  const { teams, team } = useCurrentTeam();
  return (
    <>
      <Header />
      <main className="page">
        {teams === undefined ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : !team ? (
          <section className="panel empty">
            <h1>Welcome to Reelgate</h1>
            <p>
              Create a team with <strong>New team</strong> above to start uploading videos.
            </p>
          </section>
        ) : (
          <>
            <h1>{team.name}</h1>
            <div className="columns">
              <div>
                {team.role !== "viewer" && <Upload teamId={team.teamId} />}
                <VideoList teamId={team.teamId} canEdit={team.role !== "viewer"} />
                <Collections teamId={team.teamId} canEdit={team.role !== "viewer"} />
                <LinkSearch teamId={team.teamId} />
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

const SORTS = { relevance: "Best match", newest: "Newest", oldest: "Oldest", title: "Title A–Z" } satisfies Record<LibrarySort, string>;
const STATUSES = { ready: "Ready", uploading: "Uploading", failed: "Failed" } satisfies Record<VideoStatus, string>;
type LinkFilter = "any" | "with" | "without";
const LINK_FILTERS = { any: "Any", with: "With share links", without: "Without share links" } satisfies Record<LinkFilter, string>;
const keysOf = <K extends string>(record: Record<K, string>) => Object.keys(record) as K[];

export function VideoList({ teamId, canEdit }: { teamId: Id<"teams">; canEdit: boolean }) {
  // The search and filters live in the address: a reload or Back keeps the view.
  const [text, setText, searched] = useUrlText("q", 200);
  const [sort, setSort] = useUrlChoice<LibrarySort>("sort", keysOf(SORTS), "relevance");
  const [status, setStatus] = useUrlChoice<VideoStatus | "all">("status", ["all", ...keysOf(STATUSES)], "all");
  const [links, setLinks] = useUrlChoice<LinkFilter>("links", keysOf(LINK_FILTERS), "any");
  const [sharing, setSharing] = useState<{ videoId: Id<"videos">; title: string } | null>(null);
  // "Best match" means something only for a search: without one the default reads as what it is, newest first.
  const sortShown: LibrarySort = searched === "" && sort === "relevance" ? "newest" : sort;
  const sortChoices: Partial<Record<LibrarySort, string>> = searched === "" ? { ...SORTS, relevance: undefined } : SORTS;
  const result = useQuery(api.search.videos, {
    teamId,
    text: searched,
    sort: sortShown,
    status: status === "all" ? undefined : status,
    hasLinks: links === "any" ? undefined : links === "with",
  });
  // While new results load, the previous ones stay on screen (no flash on every keystroke).
  const last = useRef(result);
  if (result !== undefined) last.current = result;
  const shown = result ?? last.current;
  const now = useNow(); // "added now" becomes "added 1 minute ago" on its own
  const remove = useMutation(api.videos.remove);
  // Posters come through the gate too: one short-lived library grant (convex/playback.ts).
  const posterFor = usePosters(teamId);
  const uploadingHere = useActiveUploads();
  const uploadingElsewhere = useUploadsElsewhere();
  const filtered = searched !== "" || status !== "all" || links !== "any";
  if (shown === undefined)
    return (
      <p className="muted" role="status">
        Loading videos…
      </p>
    );
  if (shown.videos.length === 0 && !filtered) return <p className="panel empty">No videos yet. Upload one to share it.</p>;
  const videos = shown.videos;
  return (
    <section aria-labelledby="library-title" className="panel">
      <h2 id="library-title">Library</h2>
      <div role="search" aria-label="Videos" className="actions">
        <label className="grow">
          Search videos{" "}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Title or description" maxLength={200} />
        </label>
        <Choice label="Sort" value={sortShown} options={sortChoices} onChange={setSort} />
        <Choice label="Status" value={status} options={{ all: "All", ...STATUSES }} onChange={setStatus} />
        <Choice label="Links" value={links} options={LINK_FILTERS} onChange={setLinks} />
      </div>
      <p className="muted small" role="status">
        {videos.length === 0
          ? searched
            ? `No videos match “${searched}”.`
            : "No videos match these filters."
          : `${videos.length}${shown.truncated ? "+" : ""} ${videos.length === 1 ? "video" : "videos"}${searched ? ` match “${searched}”` : ""}`}
      </p>
      <ul className="video-grid" aria-label="Videos">
        {videos.map((v) => (
          <li key={v.videoId} className="video-card" data-status={v.status}>
            <div className="poster">
              {v.hasPoster && posterFor(v.videoId) ? <img src={posterFor(v.videoId)!} alt="" /> : <span aria-hidden>▶</span>}
            </div>
            <div>
              {v.status === "ready" ? <Link to={`/videos/${v.videoId}`}>{v.title}</Link> : <strong>{v.title}</strong>}
              {v.hasLinks && <span className="badge"> shared</span>}
              <div className="muted small">
                {v.status === "uploading" &&
                  (uploadingHere.has(v.videoId)
                    ? "Uploading… · "
                    : uploadingElsewhere.has(v.videoId)
                      ? "Uploading in another tab… · "
                      : "Upload not finished · ")}
                {v.status === "failed" && <span className="error">Failed: {v.failureReason} · </span>}
                {[
                  v.status === "ready" ? formatLength(v.durationSeconds) : "",
                  v.status === "ready" ? formatBytes(v.size) : "",
                  `added ${relativePast(v.createdAt, now)}`,
                ]
                  .filter(Boolean)
                  .join(" · ")}
              </div>
            </div>
            {canEdit && v.status === "ready" && (
              <button type="button" className="secondary small" aria-label={`Share ${v.title}`} onClick={() => setSharing(v)}>
                Share
              </button>
            )}
            {canEdit && v.status === "uploading" && <ResumeUpload videoId={v.videoId} fileName={v.fileName} title={v.title} />}
            {canEdit && (
              <button
                type="button"
                className="danger small"
                aria-label={`Delete ${v.title}`}
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
      {sharing && <ShareDialog videoId={sharing.videoId} title={sharing.title} canEdit={canEdit} onClose={() => setSharing(null)} />}
    </section>
  );
}

/** One of the library's filters: a labelled select over `options` (value → words, in order). */
function Choice<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T;
  /** The choices in order; one given as undefined is not offered. */
  options: Partial<Record<T, string>>;
  onChange: (value: T) => void;
}) {
  return (
    <label>
      {label}{" "}
      <select value={value} onChange={(e) => onChange(e.target.value as T)}>
        {Object.entries<string | undefined>(options).map(
          ([option, words]) =>
            words !== undefined && (
              <option key={option} value={option}>
                {words}
              </option>
            ),
        )}
      </select>
    </label>
  );
}
