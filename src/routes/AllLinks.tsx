import { useMutation, useQuery } from "convex/react";
import { useRef, useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { Header } from "../components/Header";
import { useCurrentTeam } from "../hooks/useCurrentTeam";
import { useNow } from "../hooks/useNow";
import { copyText } from "../lib/clipboard";
import { errorMessage } from "../lib/errors";
import { formatAbsolute, plural, relativeTime } from "../lib/format";
import { useUrlChoice } from "../hooks/useUrlChoice";
import { limitsReached, linkName, REVOKED_NOTE, shareAddress, STATUS_FILTERS, statusAt, targetPath, type StatusFilter } from "../lib/links";
import { useSingleFlight } from "../hooks/useSingleFlight";

/** /links: every share link of the current team, filtered by status, revoked in bulk. */
export function AllLinks() {
  const { team } = useCurrentTeam();
  return (
    <>
      <Header />
      <main className="page">
        <h1>All links{team ? ` · ${team.name}` : ""}</h1>
        {team === null ? (
          <p className="muted">Create or join a team first.</p>
        ) : team ? (
          <TeamLinks teamId={team.teamId} canEdit={team.role !== "viewer"} />
        ) : (
          <p className="muted" role="status">
            Loading…
          </p>
        )}
      </main>
    </>
  );
}

function TeamLinks({ teamId, canEdit }: { teamId: Id<"teams">; canEdit: boolean }) {
  const links = useQuery(api.teamLinks.list, { teamId });
  const revokeMany = useMutation(api.teamLinks.revokeMany);
  const [filter, setFilter] = useUrlChoice<StatusFilter>("status", STATUS_FILTERS, "active");
  const [selected, setSelected] = useState<ReadonlySet<Id<"shareLinks">>>(new Set());
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const revokeButton = useRef<HTMLButtonElement>(null);
  const [, single] = useSingleFlight();
  const now = useNow(30_000, links?.map((l) => l.expiresAt) ?? []);
  if (links === undefined)
    return (
      <p className="muted" role="status">
        Loading links…
      </p>
    );

  const counts = { all: links.length, active: 0, expired: 0, revoked: 0 };
  for (const link of links) counts[statusAt(link, now)]++;
  const shown = links.filter((l) => filter === "all" || statusAt(l, now) === filter);
  const revocable = shown.filter((l) => statusAt(l, now) !== "revoked");
  const chosen = revocable.filter((l) => selected.has(l.linkId));
  const toggle = (id: Id<"shareLinks">, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  // A double-click asks and revokes once.
  const revokeChosen = () =>
    single(async () => {
      if (
        chosen.length === 0 ||
        !confirm(
          `Revoke ${plural(chosen.length, "link")}? Anyone watching through them loses access at once, and revoked links cannot be turned back on.`,
        )
      )
        return;
      try {
        const n = await revokeMany({ teamId, linkIds: chosen.map((l) => l.linkId) });
        setMessage({ kind: "ok", text: `Revoked ${plural(n, "link")}.` });
        setSelected(new Set());
      } catch (e) {
        setMessage({ kind: "error", text: errorMessage(e) });
      }
      revokeButton.current?.focus();
    });

  return (
    <section className="panel" aria-labelledby="team-links-title">
      <h2 id="team-links-title">Share links of the team</h2>
      <div className="filters" role="group" aria-label="Show links">
        {STATUS_FILTERS.map((f) => (
          <button key={f} type="button" className="secondary small" aria-pressed={filter === f} onClick={() => setFilter(f)}>
            {f} ({counts[f]})
          </button>
        ))}
      </div>
      {canEdit && revocable.length > 0 && (
        <div className="actions">
          <label className="inline">
            <input
              type="checkbox"
              checked={chosen.length === revocable.length}
              onChange={(e) => setSelected(e.target.checked ? new Set(revocable.map((l) => l.linkId)) : new Set())}
            />{" "}
            Select all shown
          </label>
          <button
            type="button"
            className="danger"
            ref={revokeButton}
            aria-disabled={chosen.length === 0}
            onClick={() => void revokeChosen()}
          >
            Revoke selected ({chosen.length})
          </button>
        </div>
      )}
      <div aria-live="polite">
        {message && (
          <p className={message.kind} role={message.kind === "error" ? "alert" : "status"}>
            {message.text}
          </p>
        )}
      </div>
      {shown.length === 0 ? (
        <p className="muted">No {filter === "all" ? "" : `${filter} `}links.</p>
      ) : (
        <ul className="rows" aria-label="Team share links">
          {shown.map((link) => {
            const status = statusAt(link, now);
            const address = shareAddress(link);
            const name = linkName(link);
            return (
              <li key={link.linkId} data-status={status}>
                {canEdit && status !== "revoked" && (
                  <input
                    type="checkbox"
                    aria-label={`Select ${name} for ${link.videoTitle}`}
                    checked={selected.has(link.linkId)}
                    onChange={(e) => toggle(link.linkId, e.target.checked)}
                  />
                )}
                <span className={`badge status-${status}`}>{status}</span>
                {status === "active" &&
                  limitsReached(link).map((reached) => (
                    <span key={reached} className="badge status-expired">
                      {reached}
                    </span>
                  ))}
                <span className="grow">
                  <Link to={targetPath(link)}>{link.videoTitle}</Link>{" "}
                  {link.kind === "collection" && <span className="badge">collection</span>} <span className="muted small">{name}</span>
                  <br />
                  <span className="muted small">
                    {plural(link.viewCount, "view")} · {plural(link.downloadCount, "download")} ·{" "}
                    {status === "revoked"
                      ? REVOKED_NOTE
                      : link.expiresAt === null
                        ? "never expires"
                        : `${status === "expired" ? "expired" : "expires"} ${relativeTime(link.expiresAt, now)} (${formatAbsolute(link.expiresAt)})`}
                  </span>
                </span>
                {address && status !== "revoked" && (
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`${copied === address ? "Copied!" : "Copy link"} (${name} for ${link.videoTitle})`}
                    onClick={() => void copyText(address).then((ok) => ok && setCopied(address))}
                  >
                    {copied === address ? "Copied!" : "Copy link"}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
