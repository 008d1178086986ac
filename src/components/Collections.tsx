import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { errorMessage } from "../lib/errors";
import { plural } from "../lib/format";
import { useSingleFlight } from "../hooks/useSingleFlight";

/** The team's collections (sets of videos shared behind one link), and a form to start one. */
export function Collections({ teamId, canEdit }: { teamId: Id<"teams">; canEdit: boolean }) {
  const collections = useQuery(api.collections.list, { teamId });
  const create = useMutation(api.collections.create);
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [, single] = useSingleFlight();
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const title = String(new FormData(event.currentTarget).get("title") ?? "").trim();
    if (!title) return setError("Give the collection a title.");
    await single(async () => {
      try {
        const collectionId = await create({ teamId, title });
        navigate(`/collections/${collectionId}`);
      } catch (e) {
        setError(errorMessage(e));
      }
    });
  }
  return (
    <section aria-labelledby="collections-title" className="panel">
      <h2 id="collections-title">Collections</h2>
      {collections === undefined ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : collections.length === 0 ? (
        <p className="muted">No collections yet. A collection shares several videos behind one link.</p>
      ) : (
        <ul className="rows" aria-label="Collections">
          {collections.map((c) => (
            <li key={c.collectionId}>
              <Link to={`/collections/${c.collectionId}`}>{c.title}</Link>{" "}
              <span className="muted small">{plural(c.videoCount, "video")}</span>
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form onSubmit={submit} className="inline" aria-label="New collection">
          <input name="title" aria-label="New collection name" placeholder="New collection…" maxLength={200} />
          <button type="submit" className="secondary">
            Create collection
          </button>
          {error && (
            <span className="error" role="alert">
              {error}
            </span>
          )}
        </form>
      )}
    </section>
  );
}
