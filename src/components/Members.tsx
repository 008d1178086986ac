import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ROLES, type Role } from "../../convex/lib/validators";
import { errorMessage } from "../lib/errors";

export function Members({ teamId, myRole }: { teamId: Id<"teams">; myRole: Role }) {
  const data = useQuery(api.teams.members, { teamId });
  const invite = useMutation(api.teams.invite);
  const changeRole = useMutation(api.teams.changeRole);
  const remove = useMutation(api.teams.removeMember);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
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
    let result: "added" | "invited" | undefined;
    if (await run(async () => (result = await invite({ teamId, email, role: data.get("role") as Role })))) {
      form.reset();
      setMessage({ kind: "ok", text: result === "added" ? `${email} joined the team.` : `Invitation saved: ${email} joins on sign-up.` });
    }
  }

  if (data === undefined) return <p className="muted" role="status">Loading members…</p>;
  return (
    <section aria-labelledby="members-title" className="panel">
      <h2 id="members-title">Members</h2>
      <ul className="rows">
        {data.members.map((m) => (
          <li key={m.userId}>
            <span>{m.name || m.email} <span className="muted">{m.email}</span></span>
            {canManage ? (
              <select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => void run(() => changeRole({ teamId, userId: m.userId, role: e.target.value as Role }))}>
                {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
              </select>
            ) : (
              <span className="badge">{m.role}</span>
            )}
            {canManage && (
              <button type="button" className="secondary" onClick={() => confirm(`Remove ${m.email} from the team?`) && void run(() => remove({ teamId, userId: m.userId }))}>
                Remove
              </button>
            )}
          </li>
        ))}
        {data.invites.map((i) => (
          <li key={i.inviteId}><span>{i.email} <span className="muted">invited</span></span><span className="badge">{i.role}</span></li>
        ))}
      </ul>
      {canManage && (
        <form onSubmit={submit} className="inline" aria-label="Invite a member">
          <input name="email" type="email" required placeholder="email@example.com" aria-label="Email to invite" />
          <select name="role" defaultValue="member" aria-label="Role for the invitation">
            {ROLES.filter((r) => myRole === "owner" || r !== "owner").map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
          <button type="submit">Invite</button>
        </form>
      )}
      {message && <p className={message.kind === "error" ? "error" : "ok"} role={message.kind === "error" ? "alert" : "status"}>{message.text}</p>}
    </section>
  );
}
