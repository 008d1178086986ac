import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ROLES, type Role } from "../../convex/lib/validators";
import { copyText } from "../lib/clipboard";
import { errorMessage } from "../lib/errors";
import { relativeTime } from "../lib/format";

export function Members({ teamId, myRole }: { teamId: Id<"teams">; myRole: Role }) {
  const data = useQuery(api.teams.members, { teamId });
  const invite = useMutation(api.teams.invite);
  const changeRole = useMutation(api.teams.changeRole);
  const remove = useMutation(api.teams.removeMember);
  const cancelInvite = useMutation(api.teams.cancelInvite);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [created, setCreated] = useState<{ email: string; url: string } | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const canManage = myRole === "owner" || myRole === "admin";

  async function run(action: () => Promise<unknown>) {
    try {
      await action();
      return true;
    } catch (e) {
      setMessage({ kind: "error", text: errorMessage(e) });
      return false;
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const email = String(data.get("email") ?? "");
    let url = "";
    if (await run(async () => (url = (await invite({ teamId, email, role: data.get("role") as Role })).url))) {
      form.reset();
      setMessage(null);
      setCreated({ email, url });
    }
  }

  async function copy(url: string) {
    if (await copyText(url)) {
      setCopied(url);
      setTimeout(() => setCopied((c) => (c === url ? null : c)), 2000);
    }
  }

  if (data === undefined)
    return (
      <p className="muted" role="status">
        Loading members…
      </p>
    );
  return (
    <section aria-labelledby="members-title" className="panel">
      <h2 id="members-title">Members</h2>
      <ul className="rows">
        {data.members.map((m) => (
          <li key={m.userId}>
            <span>
              {m.name || m.email} <span className="muted">{m.email}</span>
            </span>
            {canManage ? (
              <select
                aria-label={`Role of ${m.email}`}
                value={m.role}
                onChange={(e) => void run(() => changeRole({ teamId, userId: m.userId, role: e.target.value as Role }))}
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            ) : (
              <span className="badge">{m.role}</span>
            )}
            {canManage && (
              <button
                type="button"
                className="secondary"
                aria-label={`Remove ${m.email}`}
                onClick={() => confirm(`Remove ${m.email} from the team?`) && void run(() => remove({ teamId, userId: m.userId }))}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {data.invites.length > 0 && (
        <>
          <h3>Pending invitations</h3>
          <ul className="rows" aria-label="Pending invitations">
            {data.invites.map((i) => (
              <li key={i.inviteId}>
                <span>
                  {i.email}{" "}
                  <span className="muted small">
                    {i.expiresAt > Date.now() ? `link expires ${relativeTime(i.expiresAt)}` : "link expired"}
                  </span>
                </span>
                <span className="badge">{i.role}</span>
                <button
                  type="button"
                  className="secondary"
                  aria-label={`${copied === i.url ? "Copied!" : "Copy link"} (invitation for ${i.email})`}
                  onClick={() => void copy(i.url)}
                >
                  {copied === i.url ? "Copied!" : "Copy link"}
                </button>
                <button
                  type="button"
                  className="secondary"
                  aria-label={`Cancel invitation for ${i.email}`}
                  onClick={() => void run(() => cancelInvite({ inviteId: i.inviteId }))}
                >
                  Cancel
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {canManage && (
        <form onSubmit={submit} className="inline" aria-label="Invite a member">
          <input name="email" type="email" required placeholder="email@example.com" aria-label="Email to invite" />
          <select name="role" defaultValue="member" aria-label="Role for the invitation">
            {ROLES.filter((r) => myRole === "owner" || r !== "owner").map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button type="submit">Invite</button>
        </form>
      )}
      {created && data.invites.some((i) => i.url === created.url) && (
        <div aria-live="polite" className="ok">
          <p>
            Invitation link for {created.email}: send it to them yourself. It works once, for 7 days; whoever opens it and accepts joins the
            team.
          </p>
          <code className="url" aria-label="Invitation link">
            {created.url}
          </code>{" "}
          <button type="button" className="secondary" onClick={() => void copy(created.url)}>
            {copied === created.url ? "Copied!" : "Copy link"}
          </button>
        </div>
      )}
      {message && (
        <p className={message.kind === "error" ? "error" : "ok"} role={message.kind === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </section>
  );
}
