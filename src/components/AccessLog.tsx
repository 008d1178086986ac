import { usePaginatedQuery } from "convex/react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { REFUSALS } from "../../convex/lib/refusals";
import { relativePast } from "../lib/format";

const LABELS = { grantIssued: "Opened", grantRefused: "Refused", download: "Download", revoked: "Revoked" } as const;

export function AccessLog({ linkId }: { linkId: Id<"shareLinks"> }) {
  const { results, status, loadMore } = usePaginatedQuery(api.accessLog.list, { linkId }, { initialNumItems: 10 });
  if (status === "LoadingFirstPage")
    return (
      <p className="muted small" role="status">
        Loading…
      </p>
    );
  if (results.length === 0) return <p className="muted small">Nothing yet.</p>;
  return (
    <>
      <ul className="rows small" aria-label="Access log">
        {results.map((e, i) => (
          <li key={`${e.at}-${i}`}>
            <span>
              {LABELS[e.event]}
              {e.reason ? `: ${REFUSALS[e.reason].title}` : ""}
            </span>
            <span className="muted">
              {e.viewer ?? ""} {relativePast(e.at)}
            </span>
          </li>
        ))}
      </ul>
      {status === "CanLoadMore" && (
        <button type="button" className="link small" onClick={() => loadMore(20)}>
          Load more
        </button>
      )}
    </>
  );
}
