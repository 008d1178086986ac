/** The members' link lists read a link's status with the server's own expiry rule (convex/lib/linkExpiry.ts). */
import { expect, test } from "vitest";
import { hasExpired } from "../../convex/lib/linkExpiry";
import { limitsReached, statusAt } from "./links";

const NOW = 1_700_000_000_000;
const listed = (status: "active" | "expired" | "revoked", expiresAt: number | null) => ({ status, expiresAt, url: null, customSlug: null });

test("a link is expired from its deadline on, on the server and in the list alike; without one it never expires", () => {
  for (const expiresAt of [NOW - 1, NOW, NOW + 1, null]) {
    const expired = expiresAt !== null && expiresAt <= NOW;
    expect([expiresAt, hasExpired({ expiresAt }, NOW)]).toEqual([expiresAt, expired]);
    expect([expiresAt, statusAt(listed("active", expiresAt), NOW)]).toEqual([expiresAt, expired ? "expired" : "active"]);
  }
  expect(hasExpired({}, NOW)).toBe(false);
});

test("a revoked link stays revoked past its deadline; one the server saw expire stays expired", () => {
  expect(statusAt(listed("revoked", NOW - 1), NOW)).toBe("revoked");
  expect(statusAt(listed("expired", NOW + 1), NOW)).toBe("expired");
});

test("an active link's used-up limits are named: views, new viewers, downloads (only while downloads are on)", () => {
  const link = { viewCount: 2, maxViews: 5, viewerCount: 1, maxViewers: null, downloadCount: 0, maxDownloads: 1, allowDownload: true };
  expect(limitsReached(link)).toEqual([]);
  expect(limitsReached({ ...link, viewCount: 5 })).toEqual(["view limit reached"]);
  expect(limitsReached({ ...link, maxViewers: 1 })).toEqual(["no new viewers"]);
  // No one opens it at all: the viewer cap says nothing more.
  expect(limitsReached({ ...link, viewCount: 5, maxViewers: 1 })).toEqual(["view limit reached"]);
  expect(limitsReached({ ...link, downloadCount: 1 })).toEqual(["downloads used up"]);
  expect(limitsReached({ ...link, downloadCount: 1, allowDownload: false })).toEqual([]);
});
