import { hasExpired } from "../../convex/lib/linkExpiry";
import type { Infer } from "convex/values";
import type { linkSummary } from "../../convex/lib/linkSummary";
import type { LinkStatus } from "../../convex/lib/validators";

type LinkSummary = Infer<typeof linkSummary>;

type LinkLike = { status: LinkStatus; expiresAt: number | null; url: string | null; customSlug: string | null };

export const STATUS_FILTERS = ["all", "active", "expired", "revoked"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/** The status right now: a link the server last saw active reads "expired" from its deadline on. */
export function statusAt(link: LinkLike, now: number): LinkStatus {
  if (link.status === "active" && hasExpired(link, now)) return "expired";
  return link.status;
}

/** The address to hand out: the custom slug's when there is one, else the token URL. */
export function shareAddress(link: Pick<LinkLike, "url" | "customSlug">): string | null {
  if (!link.url) return null;
  return link.customSlug ? link.url.replace(/[^/]+$/, encodeURIComponent(link.customSlug)) : link.url;
}

/** What a revoked link's row says instead of an expiry that no longer matters. */
export const REVOKED_NOTE = "revoked: no longer opens";

/** The members' page of what a link opens (convex/lib/linkTarget.ts): its collection's, or its video's. */
export function targetPath(target: { collectionId: string | null; videoId: string | null }): string {
  return target.collectionId ? `/collections/${target.collectionId}` : `/videos/${target.videoId}`;
}

/** What a link is called in lists: its label, else its slug, else the end of its id (a revoked link has no address to show). */
export function linkName(link: { label: string | null; customSlug: string | null; linkId: string }): string {
  return link.label ?? link.customSlug ?? `link …${link.linkId.slice(-6)}`;
}

/** A password people can read aloud and type: four groups of letters and digits, no look-alikes. */
export function generatePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const chars: string[] = [];
  while (chars.length < 16) {
    // Bytes past the last whole multiple of the alphabet are skipped so every letter is as likely.
    for (const b of crypto.getRandomValues(new Uint8Array(32))) {
      if (b < 256 - (256 % alphabet.length) && chars.length < 16) chars.push(alphabet[b % alphabet.length]);
    }
  }
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join("")).join("-");
}

/** The text "copy link + password" puts on the clipboard. */
export function linkWithPassword(url: string, password: string): string {
  return `${url}\nPassword: ${password}`;
}

type Counted = Pick<
  LinkSummary,
  "viewCount" | "maxViews" | "viewerCount" | "maxViewers" | "downloadCount" | "maxDownloads" | "allowDownload"
>;

/** What an active link's used-up limits mean for people who open it, as badges ("view limit reached"). */
export function limitsReached(link: Counted): string[] {
  const reached: string[] = [];
  if (link.maxViews !== null && link.viewCount >= link.maxViews) reached.push("view limit reached");
  else if (link.maxViewers !== null && link.viewerCount >= link.maxViewers) reached.push("no new viewers");
  if (link.allowDownload && link.maxDownloads !== null && link.downloadCount >= link.maxDownloads) reached.push("downloads used up");
  return reached;
}
