import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { copyText } from "../lib/clipboard";
import { errorMessage } from "../lib/errors";
import { ExpiryPicker } from "./ExpiryPicker";
import { ShareLinkRow } from "./ShareLinkRow";

export function ShareManager({ videoId, canEdit, ready }: { videoId: Id<"videos">; canEdit: boolean; ready: boolean }) {
  const links = useQuery(api.shareLinks.list, { videoId });
  const create = useMutation(api.shareLinks.create);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function createLink(args: { expiresInDays?: number; allowDownload?: boolean; password?: string }, quick: boolean) {
    setBusy(true);
    try {
      const link = await create({ videoId, ...args });
      const copied = await copyText(link.url);
      setMessage({ kind: "ok", text: quick ? (copied ? "7-day link created and copied!" : "7-day link created.") : copied ? "Link created and copied!" : "Link created." });
      return true;
    } catch (e) {
      setMessage({ kind: "error", text: errorMessage(e) });
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const days = String(data.get("expiresInDays") ?? "");
    const password = String(data.get("password") ?? "");
    if (new TextEncoder().encode(password).length > 72) {
      return setMessage({ kind: "error", text: "Passwords can be at most 72 bytes." });
    }
    const ok = await createLink(
      { expiresInDays: days ? Number(days) : undefined, allowDownload: data.get("allowDownload") === "on", password: password || undefined },
      false,
    );
    if (ok) form.reset();
  }

  return (
    <section aria-labelledby="share-title" className="panel share-manager">
      <h2 id="share-title">Share links</h2>
      {canEdit && ready && (
        <>
          <button type="button" onClick={() => void createLink({ expiresInDays: 7 }, true)} disabled={busy}>Quick share (7 days)</button>
          <form onSubmit={submit} aria-label="Create a share link" className="stack">
            <ExpiryPicker name="expiresInDays" label="Expires" />
            <label className="inline"><input type="checkbox" name="allowDownload" /> Allow downloads</label>
            <label>Password (optional) <input name="password" type="password" autoComplete="new-password" placeholder="No password" /></label>
            <button type="submit" disabled={busy}>Create link</button>
          </form>
        </>
      )}
      {message && <p className={message.kind === "error" ? "error" : "ok"} role={message.kind === "error" ? "alert" : "status"}>{message.text}</p>}
      {links === undefined ? (
        <p className="muted" role="status">Loading links…</p>
      ) : links.length === 0 ? (
        <p className="muted">No share links yet.</p>
      ) : (
        <ul className="links" aria-label="Share links">
          {links.map((link) => <ShareLinkRow key={link.linkId} link={link} canEdit={canEdit} />)}
        </ul>
      )}
    </section>
  );
}
