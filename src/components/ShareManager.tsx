import { useMutation, useQuery } from "convex/react";
import type { FunctionArgs } from "convex/server";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { useNow } from "../hooks/useNow";
import { copyText } from "../lib/clipboard";
import { errorMessage } from "../lib/errors";
import { generatePassword, linkWithPassword, shareAddress, statusAt, STATUS_FILTERS, type StatusFilter } from "../lib/links";
import { ExpiryPicker, type ExpiryPickerHandle } from "./ExpiryPicker";
import { ShareLinkRow } from "./ShareLinkRow";

/** What the create form sends: `shareLinks.create`'s arguments without the link's target. */
type LinkOptions = Omit<FunctionArgs<typeof api.shareLinks.create>, "videoId" | "collectionId">;

type Created = { url: string; password?: string; copied: boolean };

/**
 * Sharing one video or one collection (give `videoId` or `collectionId`): quick share, a create
 * form with sensible defaults (7 days, no downloads, no comments), the new link copied at once
 * (with its password on demand), and the links filtered by status.
 */
export function ShareManager({
  videoId,
  collectionId,
  canEdit,
  ready,
}: {
  videoId?: Id<"videos">;
  collectionId?: Id<"collections">;
  canEdit: boolean;
  ready: boolean;
}) {
  const target = videoId ? { videoId } : { collectionId };
  const links = useQuery(api.shareLinks.list, target);
  const create = useMutation(api.shareLinks.create);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [busy, setBusy] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const [password, setPassword] = useState("");
  const [showPassword, setShowPassword] = useState(false);
  const [filter, setFilter] = useState<StatusFilter>("all");
  const [copiedBoth, setCopiedBoth] = useState(false);
  const now = useNow(30_000, links?.map((l) => l.expiresAt) ?? []);
  const busyRef = useRef(false);
  const expiry = useRef<ExpiryPickerHandle>(null);
  /** Where the outcome is said: scrolled into view when a link is made (the form above may be long). */
  const said = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message?.kind === "ok") said.current?.scrollIntoView?.({ block: "nearest" });
  }, [message]);

  async function createLink(args: LinkOptions, quick: boolean) {
    // Buttons stay enabled while busy (a disabled button drops keyboard focus); a second click waits.
    if (busyRef.current) return false;
    busyRef.current = true;
    setBusy(true);
    setMessage(null);
    try {
      const link = await create({ ...target, ...args });
      const url = shareAddress({ url: link.url, customSlug: args.customSlug ?? null }) ?? link.url;
      const copied = await copyText(url);
      setCreated({ url, password: args.password, copied });
      setCopiedBoth(false);
      setMessage({
        kind: "ok",
        text: quick
          ? copied
            ? "7-day link created and copied!"
            : "7-day link created."
          : copied
            ? "Link created and copied!"
            : "Link created.",
      });
      return true;
    } catch (e) {
      setMessage({ kind: "error", text: errorMessage(e) });
      return false;
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // A date mode without a usable date would leave both expiry fields empty: a link that never expires.
    if (!expiry.current?.check()) return setMessage(null);
    const form = event.currentTarget;
    const data = new FormData(form);
    const days = String(data.get("expiresInDays") ?? "");
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
        allowComments: data.get("allowComments") === "on",
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
    if (ok) {
      // A fresh form for the next link: every option back to its default, the expiry picker too (a new key).
      form.reset();
      setPassword("");
      setShowPassword(false);
      setFormKey((k) => k + 1);
    }
  }

  const counts = { all: links?.length ?? 0, active: 0, expired: 0, revoked: 0 };
  for (const link of links ?? []) counts[statusAt(link, now)]++;
  const shown = links?.filter((l) => filter === "all" || statusAt(l, now) === filter);

  return (
    <section aria-labelledby="share-title" className="panel share-manager">
      <h2 id="share-title">Share links</h2>
      {canEdit && ready && (
        <>
          <button type="button" aria-disabled={busy} onClick={() => void createLink({ expiresInDays: 7 }, true)}>
            Quick share (7 days)
          </button>
          <form onSubmit={submit} aria-label="Create a share link" className="stack">
            <ExpiryPicker key={formKey} ref={expiry} name="expiresInDays" label="Expires" />
            <label className="inline">
              <input type="checkbox" name="allowDownload" /> Allow downloads
            </label>
            <label className="inline">
              <input type="checkbox" name="allowComments" /> Guests can comment (they see the video's comments)
            </label>
            <label>
              Password (optional)
              <input
                name="password"
                type={showPassword ? "text" : "password"}
                autoComplete="new-password"
                placeholder="No password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            <span className="inline">
              <button
                type="button"
                className="secondary small"
                onClick={() => {
                  setPassword(generatePassword());
                  setShowPassword(true);
                }}
              >
                Generate password
              </button>
              {password && (
                <button type="button" className="secondary small" aria-pressed={showPassword} onClick={() => setShowPassword((s) => !s)}>
                  {showPassword ? "Hide password" : "Show password"}
                </button>
              )}
            </span>
            {/* A new key with each link created: the next form starts with these closed again. */}
            <details key={`options-${formKey}`}>
              <summary>More options</summary>
              <div className="stack">
                <label>
                  Label (who it is for) <input name="label" maxLength={120} />
                </label>
                <label>
                  Note to the recipient <textarea name="note" maxLength={2000} rows={2} />
                </label>
                <label>
                  Custom slug{" "}
                  <input name="customSlug" pattern="[A-Za-z0-9\-]{3,64}" placeholder="e.g. launch-day" aria-describedby="slug-warning" />
                </label>
                <p id="slug-warning" className="muted small">
                  A slug is easy to guess: anyone who tries it can open the link. Add a password.
                </p>
                <label>
                  Max viewers <input name="maxViewers" type="number" min={1} step={1} />
                </label>
                <label>
                  Max views <input name="maxViews" type="number" min={1} step={1} />
                </label>
                <label>
                  Max downloads <input name="maxDownloads" type="number" min={1} step={1} />
                </label>
                <label>
                  IP allowlist <input name="ipAllowlist" placeholder="203.0.113.0/24, 2001:db8::/32" />
                </label>
              </div>
            </details>
            <button type="submit" aria-disabled={busy}>
              {busy ? "Creating…" : "Create link"}
            </button>
          </form>
        </>
      )}
      <div aria-live="polite" ref={said}>
        {message && (
          <p className={message.kind === "error" ? "error" : "ok"} role={message.kind === "error" ? "alert" : "status"}>
            {message.text}
          </p>
        )}
        {message?.kind === "ok" && created?.password && (
          <p className="inline">
            <span className="muted small">Send the password separately, or both at once:</span>
            <button
              type="button"
              className="secondary small"
              onClick={() => void copyText(linkWithPassword(created.url, created.password!)).then(setCopiedBoth)}
            >
              {copiedBoth ? "Copied link and password!" : "Copy link + password"}
            </button>
          </p>
        )}
      </div>
      {links === undefined ? (
        <p className="muted" role="status">
          Loading links…
        </p>
      ) : links.length === 0 ? (
        <p className="muted">No share links yet.</p>
      ) : (
        <>
          <div className="filters" role="group" aria-label="Show links">
            {STATUS_FILTERS.map((f) => (
              <button key={f} type="button" className="secondary small" aria-pressed={filter === f} onClick={() => setFilter(f)}>
                {f} ({counts[f]})
              </button>
            ))}
          </div>
          {shown!.length === 0 && <p className="muted small">No {filter} links.</p>}
          <ul className="links" aria-label="Share links">
            {shown!.map((link) => (
              <ShareLinkRow key={link.linkId} link={link} canEdit={canEdit} now={now} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
