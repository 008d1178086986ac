/**
 * A share link's expiry rule, written once: a link with a deadline has expired from that instant
 * on. The server's link status (shareAccess.ts `linkStatus`), link management and the members'
 * link lists in src/ (src/lib/links.ts `statusAt`) all ask this; nothing here touches the server.
 */

/** Expired from `expiresAt` on; a link without one (`undefined` stored, `null` as listed) never expires. */
export function hasExpired(link: { expiresAt?: number | null }, now: number): boolean {
  return link.expiresAt !== undefined && link.expiresAt !== null && link.expiresAt <= now;
}
