import { useMutation, useQuery } from "convex/react";
import { useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { copyText } from "../lib/clipboard";
import { errorMessage } from "../lib/errors";
import { ExpiryPicker } from "./ExpiryPicker";
import { ShareLinkRow } from "./ShareLinkRow";

type LinkOptions = {
  expiresInDays?: number;
  expiresAt?: number;
  allowDownload?: boolean;
  password?: string;
  label?: string;
  note?: string;
  customSlug?: string;
  maxViewers?: number;
  maxViews?: number;
  maxDownloads?: number;
  ipAllowlist?: string;
};

export function ShareManager({ videoId, canEdit, ready }: { videoId: Id<"videos">; canEdit: boolean; ready: boolean }) {
  const links = useQuery(api.shareLinks.list, { videoId });
  const create = useMutation(api.shareLinks.create);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function createLink(args: LinkOptions, quick: boolean) {
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
    const number = (name: string) => (String(data.get(name) ?? "").trim() ? Number(data.get(name)) : undefined);
    const text = (name: string) => String(data.get(name) ?? "").trim() || undefined;
    const ok = await createLink(
      {
        expiresInDays: days ? Number(days) : undefined,
        expiresAt: number("expiresInDaysAt"),
        allowDownload: data.get("allowDownload") === "on",
        password: password || undefined,
        label: text("label"),
        note: text("note"),
        customSlug: text("customSlug"),
        maxViewers: number("maxViewers"),
        maxViews: number("maxViews"),
        maxDownloads: number("maxDownloads"),
        ipAllowlist: text("ipAllowlist"),
      },
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
            <details>
              <summary>More options</summary>
              <div className="stack">
                <label>Label (who it is for) <input name="label" maxLength={120} /></label>
                <label>Note to the recipient <textarea name="note" maxLength={2000} rows={2} /></label>
                <label>
                  Custom slug <input name="customSlug" pattern="[A-Za-z0-9\-]{3,64}" placeholder="e.g. launch-day" aria-describedby="slug-warning" />
                </label>
                <p id="slug-warning" className="muted small">A slug is easy to guess: anyone who tries it can open the link. Add a password.</p>
                <label>Max viewers <input name="maxViewers" type="number" min={1} step={1} /></label>
                <label>Max views <input name="maxViews" type="number" min={1} step={1} /></label>
                <label>Max downloads <input name="maxDownloads" type="number" min={1} step={1} /></label>
                <label>IP allowlist <input name="ipAllowlist" placeholder="203.0.113.0/24, 2001:db8::/32" /></label>
              </div>
            </details>
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
