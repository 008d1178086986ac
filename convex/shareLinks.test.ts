import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { MAX_PASSWORD_BYTES } from "./lib/linkSettings";
import { sha256Hex } from "./lib/tokens";
import { aliceWithVideo, dumpTables, expectCode, joinTeam, signedInUser, useFrozenClock, type TestConvex } from "./test.setup";

const DAY = 24 * 60 * 60 * 1000;

useFrozenClock();
const setup = aliceWithVideo;

async function grant(t: TestConvex, token: string, password?: string, viewerId = "viewer-one") {
  return await t.mutation(api.shareLinks.issueAccessGrant, { token, password, viewerId });
}

test("create returns a 256-bit URL-safe token and a share URL; defaults are no expiry, no download", async () => {
  const { alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(link.url).toBe(`http://app.test/share/${link.token}`);
  const [row] = await alice.as.query(api.shareLinks.list, { videoId });
  expect(row).toMatchObject({
    linkId: link.linkId,
    url: link.url,
    creatorName: "Alice",
    expiresAt: null,
    allowDownload: false,
    hasPassword: false,
    isExpired: false,
    status: "active",
    viewCount: 0,
    downloadCount: 0,
    lastAccessedAt: null,
  });
  const other = await alice.as.mutation(api.shareLinks.create, { videoId });
  expect(other.token).not.toBe(link.token);
});

test("tokens, grant tokens and passwords appear in no stored document", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, password: "open sesame" });
  const g = await grant(t, link.token, "open sesame");
  if (!g.ok) throw new Error("grant refused");
  const everything = JSON.stringify(await dumpTables(t));
  expect(everything).not.toContain(link.token);
  expect(everything).not.toContain(g.grantToken);
  expect(everything).not.toContain("open sesame");
  // What is stored is a hash that finds the link.
  expect(everything).toContain(await sha256Hex(link.token));
  // The URL is still available to members later, derived from the nonce.
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0].url).toBe(link.url);
});

test("the link token depends on the deployment secret: the database alone does not rebuild it", async () => {
  const { alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  vi.stubEnv("SHARE_TOKEN_SECRET", "another-secret-another-secret-another-secret");
  try {
    expect((await alice.as.query(api.shareLinks.list, { videoId }))[0].url).not.toBe(link.url);
  } finally {
    vi.unstubAllEnvs();
  }
});

test("getByToken: the full status matrix", async () => {
  const { t, alice, videoId } = await setup();
  const status = (token: string, viewerId?: string) => t.query(api.shareLinks.getByToken, { token, viewerId });
  const open = await alice.as.mutation(api.shareLinks.create, { videoId });
  const locked = await alice.as.mutation(api.shareLinks.create, { videoId, password: "pw" });
  const expiring = await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 1 });
  const revoked = await alice.as.mutation(api.shareLinks.create, { videoId });
  const removed = await alice.as.mutation(api.shareLinks.create, { videoId });
  await alice.as.mutation(api.shareLinks.revoke, { linkId: revoked.linkId });
  await alice.as.mutation(api.shareLinks.remove, { linkId: removed.linkId });

  expect(await status(open.token)).toEqual({
    status: "ok",
    video: { title: "Launch cut", description: "Final edit", durationSeconds: 12 },
  });
  expect(await status(locked.token)).toEqual({ status: "passwordRequired" });
  expect(await status(revoked.token)).toEqual({ status: "missing" });
  expect(await status(removed.token)).toEqual({ status: "missing" });
  expect(await status("not-a-token")).toEqual({ status: "missing" });
  expect(await status("A".repeat(43))).toEqual({ status: "missing" });
  expect(await status(expiring.token)).toMatchObject({ status: "ok" });
  vi.advanceTimersByTime(DAY + 1);
  expect(await status(expiring.token)).toEqual({ status: "expired" });

  for (let i = 0; i < 5; i++) await grant(t, locked.token, "wrong", "locked-viewer");
  const lockedStatus = await status(locked.token, "locked-viewer");
  expect(lockedStatus).toMatchObject({ status: "locked" });
  expect((lockedStatus as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(9 * 60 * 1000);
  expect(await status(locked.token, "someone-else")).toEqual({ status: "passwordRequired" });
});

test("a password link reveals nothing about the video before the password", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, password: "pw" });
  const seen = JSON.stringify(await t.query(api.shareLinks.getByToken, { token: link.token }));
  expect(seen).not.toContain("Launch cut");
  expect(seen).not.toContain("Final edit");
  const refused = JSON.stringify(await grant(t, link.token, "nope"));
  expect(refused).not.toContain("Launch cut");
});

test("a grant lasts 24 hours, counts a view and sets lastAccessedAt", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const g = await grant(t, link.token);
  if (!g.ok) throw new Error("grant refused");
  expect(g.expiresAt).toBe(Date.now() + DAY);
  const view = await t.query(api.videos.getByShareGrant, { grantToken: g.grantToken });
  expect(view).toMatchObject({
    title: "Launch cut",
    contentType: "video/mp4",
    canDownload: true,
    grantExpiresAt: g.expiresAt,
    // The link's own expiry is what the viewer is told (this one never expires), not the grant's 24 hours.
    linkExpiresAt: null,
    mediaUrl: `http://site.test/media/${g.grantToken}`,
    downloadUrl: `http://site.test/media/${g.grantToken}/download`,
  });
  const [row] = await alice.as.query(api.shareLinks.list, { videoId });
  expect(row).toMatchObject({ viewCount: 1, lastAccessedAt: Date.now() });
  vi.advanceTimersByTime(DAY - 1);
  expect(await t.query(api.videos.getByShareGrant, { grantToken: g.grantToken })).not.toBeNull();
  vi.advanceTimersByTime(1);
  expect(await t.query(api.videos.getByShareGrant, { grantToken: g.grantToken })).toBeNull();
});

test("a grant never outlives its link, and shortening the expiry applies to existing grants", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 2 });
  const g = await grant(t, link.token);
  if (!g.ok) throw new Error("grant refused");
  expect(g.expiresAt).toBe(Date.now() + DAY);
  vi.advanceTimersByTime(DAY / 2);
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, expiresInDays: 1 });
  const renewed = await t.mutation(api.shareGrants.renew, { grantToken: g.grantToken });
  expect(renewed).toEqual({ ok: true, expiresAt: Date.now() + DAY });
  vi.advanceTimersByTime(DAY);
  expect(await t.query(api.videos.getByShareGrant, { grantToken: g.grantToken })).toBeNull();
  expect(await grant(t, link.token)).toEqual({ ok: false, reason: "expired" });

  const short = await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 1 });
  vi.advanceTimersByTime(DAY / 2);
  const late = await grant(t, short.token);
  expect(late).toMatchObject({ ok: true, expiresAt: Date.now() + DAY / 2 });
});

test("turning downloads off applies to existing grants at once", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const g = await grant(t, link.token);
  if (!g.ok) throw new Error("grant refused");
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, allowDownload: false });
  expect(await t.query(api.videos.getByShareGrant, { grantToken: g.grantToken })).toMatchObject({
    canDownload: false,
    downloadUrl: null,
  });
});

test("revoke: access ends at once and forever, stats stay, status revoked, idempotent", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const g = await grant(t, link.token);
  if (!g.ok) throw new Error("grant refused");
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect(await t.query(api.videos.getByShareGrant, { grantToken: g.grantToken })).toBeNull();
  expect(await t.mutation(api.shareGrants.renew, { grantToken: g.grantToken })).toEqual({ ok: false, reason: "missing" });
  expect(await grant(t, link.token)).toEqual({ ok: false, reason: "missing" });
  const [row] = await alice.as.query(api.shareLinks.list, { videoId });
  expect(row).toMatchObject({ status: "revoked", viewCount: 1, url: null });
  await expectCode(alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, allowDownload: true }), "INVALID_ARGUMENT");
  // The grant row stays until it expires (and is swept), but opens nothing.
  vi.advanceTimersByTime(DAY);
  await t.mutation(internal.grantSweep.sweepExpired, { table: "shareGrants" });
  expect((await dumpTables(t)).shareGrants).toEqual([]);
});

test("remove deletes the link and all its grants", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  for (let i = 0; i < 3; i++) await grant(t, link.token);
  await alice.as.mutation(api.shareLinks.remove, { linkId: link.linkId });
  expect(await alice.as.query(api.shareLinks.list, { videoId })).toEqual([]);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect((await dumpTables(t)).shareGrants).toEqual([]);
  await expectCode(alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId }), "NOT_FOUND");
});

test("setting, changing or removing the password revokes every existing grant", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const usable = async (grantToken: string) => (await t.query(api.videos.getByShareGrant, { grantToken })) !== null;

  const g1 = await grant(t, link.token);
  if (!g1.ok) throw new Error("grant refused");
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, password: "first" });
  expect(await usable(g1.grantToken)).toBe(false);
  expect(await grant(t, link.token)).toEqual({ ok: false, reason: "passwordRequired" });

  const g2 = await grant(t, link.token, "first");
  if (!g2.ok) throw new Error("grant refused");
  expect(await usable(g2.grantToken)).toBe(true);
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, password: "second" });
  expect(await usable(g2.grantToken)).toBe(false);
  expect(await grant(t, link.token, "first")).toMatchObject({ ok: false, reason: "invalidPassword" });

  const g3 = await grant(t, link.token, "second");
  if (!g3.ok) throw new Error("grant refused");
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, password: null });
  expect(await usable(g3.grantToken)).toBe(false);
  expect(await grant(t, link.token)).toMatchObject({ ok: true });

  // The batch clean-up keeps grants issued under the current password.
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect((await dumpTables(t)).shareGrants).toHaveLength(1);
});

test("update: a new number resets expiry from now; null removes it; other options untouched", async () => {
  const { alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 30, password: "pw" });
  vi.advanceTimersByTime(DAY);
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, expiresInDays: 7 });
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0]).toMatchObject({
    expiresAt: Date.now() + 7 * DAY,
    hasPassword: true,
  });
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, expiresInDays: null });
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0]).toMatchObject({ expiresAt: null, hasPassword: true });
});

test("list: newest first, expired status, and viewers see no URL", async () => {
  const { t, alice, teamId, videoId } = await setup();
  const vera = await signedInUser(t, "Vera");
  await joinTeam(alice, teamId, vera, "viewer");
  const first = await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 1 });
  vi.advanceTimersByTime(1000);
  const second = await alice.as.mutation(api.shareLinks.create, { videoId });
  vi.advanceTimersByTime(DAY);
  const rows = await alice.as.query(api.shareLinks.list, { videoId });
  expect(rows.map((r) => r.linkId)).toEqual([second.linkId, first.linkId]);
  expect(rows[1]).toMatchObject({ status: "expired", isExpired: true });
  const viewerRows = await vera.as.query(api.shareLinks.list, { videoId });
  expect(viewerRows.map((r) => r.url)).toEqual([null, null]);
  expect(JSON.stringify(viewerRows)).not.toContain(second.token);
});

test("only ready videos can be shared", async () => {
  const { alice, teamId } = await setup();
  const pending = await alice.as.mutation(api.videos.create, { teamId, title: "P", fileName: "p.mp4" });
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId: pending }), "VIDEO_NOT_READY");
});

test("malformed options are refused with a code and write nothing", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const before = await dumpTables(t);
  for (const expiresInDays of [0, 366, 1.5, -1, Number.NaN]) {
    await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays }), "INVALID_ARGUMENT");
    await expectCode(alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, expiresInDays }), "INVALID_ARGUMENT");
  }
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, password: "" }), "INVALID_ARGUMENT");
  const tooLong = "é".repeat(36) + "x"; // 73 bytes in UTF-8, 37 characters
  expect(new TextEncoder().encode(tooLong).length).toBe(MAX_PASSWORD_BYTES + 1);
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, password: tooLong }), "PASSWORD_TOO_LONG");
  await expectCode(alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, password: tooLong }), "PASSWORD_TOO_LONG");
  await expectCode(t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "bad id!" }), "INVALID_ARGUMENT");
  // Ids of the wrong shape fail argument validation.
  await expect(alice.as.mutation(api.shareLinks.create, { videoId: "nope" as never })).rejects.toThrow();
  await expect(alice.as.mutation(api.shareLinks.revoke, { linkId: videoId as never })).rejects.toThrow();
  expect(await dumpTables(t)).toEqual(before);
  // Exactly 72 bytes is accepted.
  const max = "é".repeat(36);
  const ok = await alice.as.mutation(api.shareLinks.create, { videoId, password: max });
  expect(await grant(t, ok.token, max)).toMatchObject({ ok: true });
});

test("passwords are hashed with bcrypt at cost 10 or more", async () => {
  const { t, alice, videoId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, password: "pw" });
  const row = await t.run((ctx) => ctx.db.get(link.linkId));
  expect(row?.passwordHash).toMatch(/^\$2[aby]\$(1\d|[2-9]\d)\$/);
});
