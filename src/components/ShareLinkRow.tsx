import { useMutation } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import { hasExpired } from "../../convex/lib/linkExpiry";
import { copyText } from "../lib/clipboard";
import { errorMessage } from "../lib/errors";
import { formatAbsolute, plural, relativePast, relativeTime } from "../lib/format";
import { limitsReached, linkName, REVOKED_NOTE, shareAddress, statusAt } from "../lib/links";
import { AccessLog } from "./AccessLog";
import { ExpiryPicker, type ExpiryPickerHandle } from "./ExpiryPicker";

type Link = FunctionReturnType<typeof api.shareLinks.list>[number];

/** One link, compact: status, address, counts and dates; edited in place. `now` ticks (useNow) so statuses change on their own. */
export function ShareLinkRow({ link, canEdit, now }: { link: Link; canEdit: boolean; now: number }) {
  const update = useMutation(api.shareLinks.update);
  const revoke = useMutation(api.shareLinks.revoke);
  const remove = useMutation(api.shareLinks.remove);
  const [copied, setCopied] = useState(false);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [showLog, setShowLog] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const expiryPicker = useRef<ExpiryPickerHandle>(null);
  const rowRef = useRef<HTMLLIElement>(null);
  const status = statusAt(link, now);
  const address = shareAddress(link);
  const [returnFocus, setReturnFocus] = useState(false);
  // The edit form's choices that decide which of its fields are shown.
  const [changeExpiry, setChangeExpiry] = useState(false);
  const [passwordMode, setPasswordMode] = useState("keep");
  useEffect(() => {
    // Into the form once Edit (now gone) opens it; back to Edit once it is shown again.
    if (editing) firstField.current?.focus();
    else if (returnFocus) {
      editButton.current?.focus();
      setReturnFocus(false);
    }
  }, [editing, returnFocus]);
  const stopEditing = () => {
    setEditing(false);
    setChangeExpiry(false);
    setPasswordMode("keep");
    setReturnFocus(true);
  };

  /** Deletes the link; focus goes to the row beside it (or the list's heading), not lost to the page. */
  async function deleteLink() {
    if (!confirm("Delete this link and its statistics?")) return;
    const row = rowRef.current;
    const beside = (row?.nextElementSibling ?? row?.previousElementSibling) as HTMLElement | null;
    if (await run(() => remove({ linkId: link.linkId }))) (beside ?? listHeading(row))?.focus();
  }

  async function run(action: () => Promise<unknown>) {
    try {
      await action();
      setError(null);
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    }
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const changeExpiry = data.get("changeExpiry") === "on";
    // A date mode without a usable date leaves both expiry fields empty, which would clear the expiry.
    if (changeExpiry && !expiryPicker.current?.check()) return setError(null);
    const expiry = changeExpiry ? String(data.get("expiresInDays") ?? "") : undefined;
    const exactExpiry = changeExpiry ? String(data.get("expiresInDaysAt") ?? "") : "";
    const passwordMode = String(data.get("passwordMode"));
    const password = String(data.get("password") ?? "");
    if (passwordMode === "set" && !password) return setError("Type the new password, or keep the current one.");
    // Empty fields clear a policy; unchanged ones are sent as they are.
    const text = (name: string) => String(data.get(name) ?? "").trim() || null;
    const count = (name: string) => (text(name) === null ? null : Number(text(name)));
    const ok = await run(() =>
      update({
        linkId: link.linkId,
        allowDownload: data.get("allowDownload") === "on",
        allowComments: data.get("allowComments") === "on",
        label: text("label"),
        note: text("note"),
        customSlug: text("customSlug"),
        ipAllowlist: text("ipAllowlist"),
        maxViewers: count("maxViewers"),
        maxViews: count("maxViews"),
        maxDownloads: count("maxDownloads"),
        ...(expiry === undefined
          ? {}
          : exactExpiry
            ? { expiresAt: Number(exactExpiry) }
            : { expiresInDays: expiry === "" ? null : Number(expiry) }),
        ...(passwordMode === "remove" ? { password: null } : passwordMode === "set" ? { password } : {}),
      }),
    );
    if (ok) stopEditing();
  }

  return (
    <li className="link-row" data-status={status} ref={rowRef} tabIndex={-1}>
      <div className="badges">
        <span className={`badge status-${status}`}>{status}</span>
        {status === "active" &&
          limitsReached(link).map((reached) => (
            <span key={reached} className="badge status-expired">
              {reached}
            </span>
          ))}
        {link.hasPassword && <span className="badge">password</span>}
        {link.allowDownload && <span className="badge">downloads</span>}
        {link.allowComments && <span className="badge">comments</span>}
      </div>
      {(link.label || !link.url) && <strong>{linkName(link)}</strong>}
      {link.ipAllowlist && <div className="muted small">Only from: {link.ipAllowlist}</div>}
      {link.url && (
        <code className="url" title={link.url}>
          {link.url}
        </code>
      )}
      {link.customSlug && link.url && <code className="slug-url">{link.url.replace(/[^/]+$/, link.customSlug)}</code>}
      {(link.maxViewers !== null || link.maxViews !== null || link.maxDownloads !== null) && (
        <div className="muted small">
          Limits:{" "}
          {[
            link.maxViewers !== null && `${link.viewerCount}/${link.maxViewers} viewers`,
            link.maxViews !== null && `${link.viewCount}/${link.maxViews} views`,
            link.maxDownloads !== null && `${link.downloadCount}/${link.maxDownloads} downloads`,
          ]
            .filter(Boolean)
            .join(" · ")}
        </div>
      )}
      <div className="muted small">
        {plural(link.viewCount, "view")} · {plural(link.downloadCount, "download")} ·{" "}
        {link.lastAccessedAt ? `last opened ${relativePast(link.lastAccessedAt, now)}` : "never opened"} · by {link.creatorName}
      </div>
      <div className="muted small" data-testid="expiry">
        {status === "revoked" ? (
          REVOKED_NOTE
        ) : link.expiresAt === null ? (
          "never expires"
        ) : (
          <>
            {status === "expired" || hasExpired(link, now)
              ? `expired ${relativeTime(link.expiresAt, now)}`
              : `expires ${relativeTime(link.expiresAt, now)}`}{" "}
            <time dateTime={new Date(link.expiresAt).toISOString()}>({formatAbsolute(link.expiresAt)})</time>
          </>
        )}
        {" · "}created <time dateTime={new Date(link.createdAt).toISOString()}>{formatAbsolute(link.createdAt)}</time>
      </div>
      {canEdit && link.status !== "revoked" && !editing && (
        <div className="actions">
          {address && (
            <button
              type="button"
              className="secondary"
              onClick={() =>
                void copyText(address).then((ok) => {
                  setCopied(ok);
                  setTimeout(() => setCopied(false), 2000);
                })
              }
            >
              {copied ? "Copied!" : "Copy link"}
            </button>
          )}
          <button type="button" className="secondary" ref={editButton} onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              confirm("Revoke this link? Anyone watching loses access at once, and a revoked link cannot be turned back on.") &&
              void run(() => revoke({ linkId: link.linkId })).then(() => rowRef.current?.focus())
            }
          >
            Revoke
          </button>
          <button type="button" className="danger" onClick={() => void deleteLink()}>
            Delete
          </button>
        </div>
      )}
      {canEdit && link.status === "revoked" && (
        <div className="actions">
          <button type="button" className="danger" onClick={() => void deleteLink()}>
            Delete
          </button>
        </div>
      )}
      {editing && (
        <form onSubmit={save} className="stack edit" aria-label={`Edit link ${link.label ?? link.customSlug ?? (address ?? "").slice(-8)}`}>
          <label className="inline">
            <input type="checkbox" name="allowDownload" defaultChecked={link.allowDownload} ref={firstField} /> Allow downloads
          </label>
          <label className="inline">
            <input type="checkbox" name="allowComments" defaultChecked={link.allowComments} /> Guests can comment
          </label>
          <span className="inline">
            <label className="inline">
              <input type="checkbox" name="changeExpiry" checked={changeExpiry} onChange={(e) => setChangeExpiry(e.target.checked)} />{" "}
              Change expiry
            </label>
            {changeExpiry && (
              <ExpiryPicker ref={expiryPicker} name="expiresInDays" label="New expiry" dateLabel="New expiry date and time" />
            )}
          </span>
          <label className="inline">
            Password
            <select name="passwordMode" value={passwordMode} onChange={(e) => setPasswordMode(e.target.value)} aria-label="Password change">
              <option value="keep">{link.hasPassword ? "Keep current password" : "No password"}</option>
              <option value="set">{link.hasPassword ? "Change password" : "Set a password"}</option>
              {link.hasPassword && <option value="remove">Remove password</option>}
            </select>
          </label>
          {passwordMode === "set" && (
            <input name="password" type="password" aria-label="New password" placeholder="New password" autoComplete="new-password" />
          )}
          <label>
            Label <input name="label" defaultValue={link.label ?? ""} maxLength={120} />
          </label>
          <label>
            Note to the recipient <textarea name="note" defaultValue={link.note ?? ""} maxLength={2000} rows={2} />
          </label>
          <label>
            Custom slug <input name="customSlug" defaultValue={link.customSlug ?? ""} />
          </label>
          <label>
            IP allowlist <input name="ipAllowlist" defaultValue={link.ipAllowlist ?? ""} />
          </label>
          <label>
            Max viewers <input name="maxViewers" type="number" min={1} defaultValue={link.maxViewers ?? ""} />
          </label>
          <label>
            Max views <input name="maxViews" type="number" min={1} defaultValue={link.maxViews ?? ""} />
          </label>
          <label>
            Max downloads <input name="maxDownloads" type="number" min={1} defaultValue={link.maxDownloads ?? ""} />
          </label>
          <div className="actions">
            <button type="submit">Save</button>
            <button type="button" className="secondary" onClick={stopEditing}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <details onToggle={(e) => setShowLog((e.target as HTMLDetailsElement).open)}>
        <summary className="small">Access log</summary>
        {showLog && <AccessLog linkId={link.linkId} />}
      </details>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

/** The heading the row's list is under (made focusable), for focus once the list's last row is gone. */
function listHeading(row: HTMLElement | null): HTMLElement | null {
  const heading = row?.closest("section, dialog, [role='dialog']")?.querySelector<HTMLElement>("h2, h3");
  if (heading && !heading.hasAttribute("tabindex")) heading.tabIndex = -1;
  return heading ?? null;
}
