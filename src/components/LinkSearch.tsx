import { useQuery } from "convex/react";
import { Link } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { useUrlText } from "../hooks/useUrlChoice";
import { targetPath } from "../lib/links";

/** Finds the team's share links by label, note or slug (search indexes on shareLinks). */
export function LinkSearch({ teamId }: { teamId: Id<"teams"> }) {
  const [text, setText, query] = useUrlText("linkq", 200);
  const matches = useQuery(api.search.links, query ? { teamId, text: query } : "skip");
  return (
    <section aria-labelledby="link-search-title" className="panel">
      <h2 id="link-search-title">Find a link</h2>
      <div role="search" aria-label="Share links">
        <label>
          Search links{" "}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Label, note or slug" maxLength={200} />
        </label>
      </div>
      {query && (
        <div aria-live="polite">
          {matches === undefined ? (
            <p className="muted small">Searching…</p>
          ) : matches.length === 0 ? (
            <p className="muted small">No links match “{query}”.</p>
          ) : (
            <ul className="rows" aria-label="Matching links">
              {matches.map((m) => (
                <li key={m.linkId}>
                  <span>
                    <Link to={targetPath(m)}>{m.label ?? (m.customSlug ? `/${m.customSlug}` : "Unlabelled link")}</Link>
                    <span className="muted small"> · {m.kind === "collection" ? `collection ${m.videoTitle}` : m.videoTitle}</span>
                    {m.customSlug && m.label && <span className="muted small"> · /{m.customSlug}</span>}
                    {m.note && <span className="muted small"> · {m.note}</span>}
                  </span>
                  <span className={`badge status-${m.status}`}>{m.status}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
