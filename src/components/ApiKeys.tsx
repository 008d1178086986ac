import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { copyText } from "../lib/clipboard";
import { errorMessage } from "../lib/errors";
import { relativePast } from "../lib/format";
import { useSingleFlight } from "../hooks/useSingleFlight";

/** Owners and admins: API keys for scripts. A new key is shown once. */
export function ApiKeys({ teamId }: { teamId: Id<"teams"> }) {
  const keys = useQuery(api.apiKeys.list, { teamId });
  const create = useMutation(api.apiKeys.create);
  const revoke = useMutation(api.apiKeys.revoke);
  const [fresh, setFresh] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [, single] = useSingleFlight();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const scopes = (["shares:read", "shares:write"] as const).filter((s) => data.get(s) === "on");
    // A double-click makes one key (a second one's secret would never be shown).
    await single(async () => {
      try {
        const { key } = await create({ teamId, name: String(data.get("name") ?? ""), scopes });
        setFresh(key);
        setError(null);
        form.reset();
      } catch (e) {
        setError(errorMessage(e));
      }
    });
  }

  return (
    <section aria-labelledby="keys-title" className="panel">
      <h2 id="keys-title">API keys</h2>
      {fresh && (
        <div className="stack" role="status">
          <p className="ok">Copy this key now: it is not shown again.</p>
          <code className="url">{fresh}</code>
          <button type="button" className="secondary" onClick={() => void copyText(fresh)}>
            Copy key
          </button>
        </div>
      )}
      <form onSubmit={submit} className="stack" aria-label="Create an API key">
        <label>
          Name <input name="name" required maxLength={80} placeholder="e.g. deploy bot" />
        </label>
        <span className="inline">
          <label className="inline">
            <input type="checkbox" name="shares:read" defaultChecked /> read
          </label>
          <label className="inline">
            <input type="checkbox" name="shares:write" /> write
          </label>
        </span>
        <button type="submit">Create key</button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <ul className="rows small" aria-label="API keys">
        {keys?.map((k) => (
          <li key={k.keyId}>
            <span>
              {k.name} <code>{k.keyPrefix}…</code>{" "}
              <span className="muted">
                {k.scopes.join(", ")} · {k.lastUsedAt ? `used ${relativePast(k.lastUsedAt)}` : "never used"}
              </span>
            </span>
            {k.revoked ? (
              <span className="badge status-revoked">revoked</span>
            ) : (
              <button
                type="button"
                className="danger small"
                onClick={() => confirm(`Revoke "${k.name}"? Scripts using it stop at once.`) && void revoke({ keyId: k.keyId })}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
