import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { aliceWithVideo, dumpTables, expectCode, openGrantServed, signedInUser, useFrozenClock, type TestConvex } from "./test.setup";

/** What a media request came to: "ok" or the refusal reason. */
const outcome = (r: { ok: true } | { ok: false; reason: string }) => (r.ok ? "ok" : r.reason);

const DAY = 24 * 60 * 60 * 1000;
useFrozenClock();

async function setup() {
  const { t, alice, teamId, videoId } = await aliceWithVideo();
  const grant = (token: string, viewerId?: string, password?: string) =>
    t.mutation(api.shareLinks.issueAccessGrant, { token, viewerId, password });
  return { t, alice, teamId, videoId, grant };
}

test("maxViews: 20 simultaneous grant requests against maxViews 5 → exactly 5 succeed", async () => {
  const { t, alice, videoId, grant } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, maxViews: 5 });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => grant(link.token, `viewer-${String(i).padStart(4, "0")}`)));
  expect(results.filter((r) => r.ok)).toHaveLength(5);
  expect(results.filter((r) => !r.ok).map((r) => (r as { reason: string }).reason)).toEqual(Array(15).fill("viewLimit"));
  const [row] = await alice.as.query(api.shareLinks.list, { videoId });
  expect(row).toMatchObject({ viewCount: 5, maxViews: 5 });
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "viewLimit" });
});

test("maxViewers: returning viewers are not new; new visitors see the viewer limit; holders keep access", async () => {
  const { t, alice, videoId, grant } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, maxViewers: 2 });
  const a = await grant(link.token, "viewer-aaaa");
  expect(a.ok).toBe(true);
  expect((await grant(link.token, "viewer-bbbb")).ok).toBe(true);
  expect(await grant(link.token, "viewer-cccc")).toEqual({ ok: false, reason: "viewerLimit" });
  expect(await t.query(api.shareLinks.getByToken, { token: link.token, viewerId: "viewer-cccc" })).toEqual({ status: "viewerLimit" });
  expect(await t.query(api.shareLinks.getByToken, { token: link.token, viewerId: "viewer-aaaa" })).toMatchObject({ status: "ok" });
  expect((await grant(link.token, "viewer-aaaa")).ok).toBe(true);
  if (!a.ok) throw new Error();
  expect(await t.mutation(api.shareGrants.renew, { grantToken: a.grantToken })).toMatchObject({ ok: true });
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0]).toMatchObject({ viewerCount: 2, viewCount: 3 });
});

const GET = { method: "GET" };

test("maxDownloads: downloads stop at the cap, exactly", async () => {
  const { t, alice, videoId, grant } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true, maxDownloads: 2 });
  const g = await grant(link.token, "viewer-dddd");
  if (!g.ok) throw new Error();
  const kinds = [];
  for (let i = 0; i < 3; i++) kinds.push(outcome(await openGrantServed(t, { grantToken: g.grantToken, download: true, request: GET })));
  expect(kinds).toEqual(["ok", "ok", "downloadLimit"]);
  expect(outcome(await openGrantServed(t, { grantToken: g.grantToken, download: false, request: GET }))).toBe("ok");
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0].downloadCount).toBe(2);
});

test("maxDownloads counts whole copies by bytes served, whatever the Range spelling (cap 1 gives 1 copy)", async () => {
  const { t, alice, videoId, grant } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true, maxDownloads: 1 });
  const first = await grant(link.token, "viewer-range1");
  const second = await grant(link.token, "viewer-range2");
  if (!first.ok || !second.ok) throw new Error();
  const open = (g: string, range?: string, method = "GET") =>
    openGrantServed(t, { grantToken: g, download: true, request: { method, range } }).then(outcome);
  // The stored test file is 8 bytes. Spellings that used to escape the count:
  expect(await open(first.grantToken, "bytes=0-3")).toBe("ok");
  // A second holder cannot start while the one allowed download is in progress.
  expect(await open(second.grantToken, "bytes=4-")).toBe("downloadLimit");
  expect(await open(first.grantToken, "bytes=-4")).toBe("ok"); // the last four: the copy is whole now
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0].downloadCount).toBe(1);
  for (const range of ["bytes=0-", "bytes=1-", "bytes=-8", "bytes=0-7", undefined]) {
    expect(await open(first.grantToken, range)).toBe("downloadLimit");
    expect(await open(second.grantToken, range)).toBe("downloadLimit");
  }
  // HEAD and conditional requests carry no bytes and count nothing.
  expect(await open(second.grantToken, undefined, "HEAD")).toBe("ok");
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0].downloadCount).toBe(1);
});

test("a download in progress gives its reservation back after 30 idle minutes", async () => {
  const { t, alice, videoId, grant } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true, maxDownloads: 1 });
  const a = await grant(link.token, "viewer-idle01");
  const b = await grant(link.token, "viewer-idle02");
  if (!a.ok || !b.ok) throw new Error();
  const open = (g: string, range?: string) =>
    openGrantServed(t, { grantToken: g, download: true, request: { method: "GET", range } }).then(outcome);
  expect(await open(a.grantToken, "bytes=0-1")).toBe("ok");
  expect(await open(b.grantToken)).toBe("downloadLimit");
  vi.advanceTimersByTime(31 * 60 * 1000);
  expect(await open(b.grantToken)).toBe("ok");
  expect(await open(a.grantToken, "bytes=2-")).toBe("downloadLimit");
});

test("custom slugs: usable for the token, case-insensitive and unique, validated, clearable", async () => {
  const { t, alice, videoId, grant } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, customSlug: "Launch-Day" });
  const ticket = await slugTicketFor(t, "launch-day");
  expect(await t.query(api.shareLinks.getByToken, { token: "launch-day", slugTicket: ticket })).toMatchObject({ status: "ok" });
  expect((await t.mutation(api.shareLinks.issueAccessGrant, { token: "LAUNCH-DAY", viewerId: "viewer-eeee", slugTicket: ticket })).ok).toBe(
    true,
  );
  expect((await grant("LAUNCH-DAY", "viewer-eeee")).ok).toBe(false); // no ticket, no address: not resolved
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, customSlug: "launch-DAY" }), "SLUG_TAKEN");
  for (const bad of ["ab", "has space", "x".repeat(65), "semi;colon"]) {
    await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, customSlug: bad }), "INVALID_ARGUMENT");
  }
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, customSlug: "Launch-Day" }); // its own slug is fine
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, customSlug: null });
  expect(await t.query(api.shareLinks.getByToken, { token: "launch-day", slugTicket: ticket })).toEqual({ status: "missing" });
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toMatchObject({ status: "ok" });
  await alice.as.mutation(api.shareLinks.create, { videoId, customSlug: "launch-day" });
});

test("label and note; the note reaches the viewer with the video", async () => {
  const { t, alice, videoId, grant } = await setup();
  await alice.as.mutation(api.shareLinks.create, { videoId, label: "For ACME legal", note: "Draft — please do not forward." });
  const [row] = await alice.as.query(api.shareLinks.list, { videoId });
  expect(row).toMatchObject({ label: "For ACME legal", note: "Draft — please do not forward." });
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, note: "Hi!" });
  const g = await grant(link.token);
  if (!g.ok) throw new Error();
  expect(await t.query(api.videos.getByShareGrant, { grantToken: g.grantToken })).toMatchObject({ note: "Hi!" });
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, label: "x".repeat(121) }), "INVALID_ARGUMENT");
});

test("exact expiresAt: in the future only, not together with expiresInDays, editable", async () => {
  const { t, alice, videoId } = await setup();
  const before = await dumpTables(t);
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, expiresAt: Date.now() - 1 }), "INVALID_ARGUMENT");
  await expectCode(
    alice.as.mutation(api.shareLinks.create, { videoId, expiresAt: Date.now() + DAY, expiresInDays: 3 }),
    "INVALID_ARGUMENT",
  );
  for (const bad of [0, -5, 1.5])
    await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, maxViews: bad }), "INVALID_ARGUMENT");
  expect(await dumpTables(t)).toEqual(before);
  const at = Date.now() + 2 * 60 * 60 * 1000;
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, expiresAt: at });
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0].expiresAt).toBe(at);
  vi.advanceTimersByTime(2 * 60 * 60 * 1000);
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "expired" });
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, expiresAt: Date.now() + DAY });
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toMatchObject({ status: "ok" });
});

test("access log: grants issued and refused, downloads and revokes, newest first, paginated, members only; kept 90 days", async () => {
  const { t, alice, videoId, grant } = await setup();
  const eve = await signedInUser(t, "Eve");
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, password: "pw", allowDownload: true });
  await grant(link.token, "viewer-ffff", "wrong");
  const g = await grant(link.token, "viewer-ffff", "pw");
  if (!g.ok) throw new Error();
  await openGrantServed(t, { grantToken: g.grantToken, download: true, request: GET });
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  const page1 = await alice.as.query(api.accessLog.list, { linkId: link.linkId, paginationOpts: { numItems: 2, cursor: null } });
  expect(page1.page.map((e) => e.event)).toEqual(["revoked", "download"]);
  const page2 = await alice.as.query(api.accessLog.list, {
    linkId: link.linkId,
    paginationOpts: { numItems: 5, cursor: page1.continueCursor },
  });
  expect(page2.page.map((e) => [e.event, e.reason])).toEqual([
    ["grantIssued", null],
    ["grantRefused", "invalidPassword"],
  ]);
  // One name for the viewer on this link, never the id their browser holds (a lockout follows it).
  expect(page2.page[0].viewer).toMatch(/^viewer [0-9a-f]{8}$/);
  expect(page2.page[1].viewer).toBe(page2.page[0].viewer);
  expect(JSON.stringify([page1, page2])).not.toContain("ffff");
  await expectCode(eve.as.query(api.accessLog.list, { linkId: link.linkId, paginationOpts: { numItems: 5, cursor: null } }), "NOT_FOUND");
  vi.advanceTimersByTime(91 * DAY);
  expect(await t.mutation(internal.accessLog.sweepOld, {})).toBe(4);
});

test("quota: a per-team cap on active expiring links, visible through quota", async () => {
  const { alice, teamId, videoId } = await setup();
  expect(await alice.as.query(api.teams.quota, { teamId })).toEqual({ limit: -1, used: 0 });
  await alice.as.mutation(api.teams.setLinkQuota, { teamId, limit: 1 });
  const first = await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 7 });
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 7 }), "QUOTA_EXCEEDED");
  const forever = await alice.as.mutation(api.shareLinks.create, { videoId });
  await expectCode(alice.as.mutation(api.shareLinks.update, { linkId: forever.linkId, expiresInDays: 3 }), "QUOTA_EXCEEDED");
  expect(await alice.as.query(api.teams.quota, { teamId })).toEqual({ limit: 1, used: 1 });
  await alice.as.mutation(api.shareLinks.revoke, { linkId: first.linkId });
  expect(await alice.as.query(api.teams.quota, { teamId })).toEqual({ limit: 1, used: 0 });
  await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 7 });
  await expectCode(alice.as.mutation(api.teams.setLinkQuota, { teamId, limit: -2 }), "INVALID_ARGUMENT");
});

test("IP allowlists: validated on save naming the bad entry; the WebSocket path defers to HTTP; nothing leaks", async () => {
  const { t, alice, videoId, grant } = await setup();
  const bad = await alice.as.mutation(api.shareLinks.create, { videoId, ipAllowlist: "10.0.0.0/8, 10.0.0.300" }).catch((e) => e);
  expect(bad.data).toEqual({ code: "INVALID_ARGUMENT", message: '"10.0.0.300" is not an IPv4/IPv6 address or CIDR range.' });
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, ipAllowlist: "10.0.0.0/8, 2001:db8::/32" });
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0].ipAllowlist).toBe("10.0.0.0/8, 2001:db8::/32");
  const status = await t.query(api.shareLinks.getByToken, { token: link.token });
  expect(status).toEqual({ status: "ipCheckRequired" });
  expect(await grant(link.token, "viewer-gggg")).toEqual({ ok: false, reason: "ipCheckRequired" });
  const viaHttp = (address: string) =>
    t.mutation(internal.apiV1.issueGrantOverHttp, { token: link.token, viewerId: "viewer-gggg", clientAddress: address });
  expect((await viaHttp("192.0.2.1")).json).toEqual({ ok: false, reason: "ipNotAllowed" });
  expect((await viaHttp("2001:db8:1::5")).json).toMatchObject({ ok: true });
  const g = (await viaHttp("10.1.2.3")).json as { grantToken: string };
  expect(outcome(await openGrantServed(t, { grantToken: g.grantToken, download: false, request: GET, clientAddress: "10.9.9.9" }))).toBe(
    "ok",
  );
  expect(outcome(await openGrantServed(t, { grantToken: g.grantToken, download: false, request: GET, clientAddress: "192.0.2.1" }))).toBe(
    "ipNotAllowed",
  );
  expect(outcome(await openGrantServed(t, { grantToken: g.grantToken, download: false, request: GET }))).toBe("ipNotAllowed");
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, ipAllowlist: null });
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toMatchObject({ status: "ok" });
});

test("an IP allowlist set or narrowed after a grant was issued ends the grant where no address is seen", async () => {
  const { t, alice, videoId, grant } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowComments: true });
  const viaWs = await grant(link.token, "viewer-wsws");
  const viaHttp = await t.mutation(internal.apiV1.issueGrantOverHttp, {
    token: link.token,
    viewerId: "viewer-hhhh",
    clientAddress: "10.1.2.3",
  });
  if (!viaWs.ok || !viaHttp.json.ok) throw new Error("grants refused");
  const http = viaHttp.json.grantToken;
  const views = async () =>
    [viaWs.grantToken, http].map(async (g) => (await t.query(api.videos.getByShareGrant, { grantToken: g })) !== null);
  expect(await Promise.all(await views())).toEqual([true, true]);
  // Set: the WebSocket grant's address was never known, so it ends; the HTTP one's is covered.
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, ipAllowlist: "10.0.0.0/8" });
  expect(await Promise.all(await views())).toEqual([false, true]);
  expect(await t.mutation(api.shareGrants.renew, { grantToken: viaWs.grantToken })).toEqual({ ok: false, reason: "missing" });
  // Narrowed past the address: the grant ends for every query and mutation, comments included.
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, ipAllowlist: "10.9.0.0/16" });
  expect(await Promise.all(await views())).toEqual([false, false]);
  expect(await t.query(api.comments.getGuestReview, { grantToken: http })).toEqual({ allowComments: false, threads: [] });
  const posted = await t.mutation(api.comments.addAsGuest, { grantToken: http, name: "Guest", body: "Still here?" });
  expect(posted).toMatchObject({ ok: false, reason: "ipNotAllowed" });
  // Widened again: it works again (nothing was deleted).
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, ipAllowlist: null });
  expect(await Promise.all(await views())).toEqual([true, true]);
});

test("idle downloads are forgotten by the sweep", async () => {
  const { t, alice, videoId, grant } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const g = await grant(link.token, "viewer-sweep1");
  if (!g.ok) throw new Error();
  await openGrantServed(t, { grantToken: g.grantToken, download: true, request: { method: "GET", range: "bytes=0-1" } });
  expect(await t.mutation(internal.media.sweepIdleDownloads, {})).toBe(0);
  vi.advanceTimersByTime(31 * 60 * 1000);
  expect(await t.mutation(internal.media.sweepIdleDownloads, {})).toBe(1);
});

async function slugTicketFor(t: TestConvex, slug: string, clientAddress = "198.51.100.20") {
  const r = await t.mutation(internal.apiV1.resolveSlug, { slug, clientAddress });
  return (r.json as { slug_ticket: string }).slug_ticket;
}

test("slug lookups cost the guesser: no ticket, no answer; tickets and address-known lookups are 60 a minute per address", async () => {
  const { t, alice, videoId } = await setup();
  await alice.as.mutation(api.shareLinks.create, { videoId, customSlug: "quarterly-review" });
  // Without a ticket a query cannot tell a real slug from a made-up one.
  expect(await t.query(api.shareLinks.getByToken, { token: "quarterly-review" })).toEqual({ status: "missing" });
  expect(await t.query(api.shareLinks.getByToken, { token: "quarterly-review", slugTicket: "forged-ticket" })).toEqual({
    status: "missing",
  });
  const other = await slugTicketFor(t, "other-slug");
  expect(await t.query(api.shareLinks.getByToken, { token: "quarterly-review", slugTicket: other })).toEqual({ status: "missing" });
  // Tickets for 60 candidate slugs a minute from one address, then 429.
  let last;
  for (let i = 0; i < 61; i++) last = await t.mutation(internal.apiV1.resolveSlug, { slug: `guess-${i}`, clientAddress: "192.0.2.50" });
  expect(last!.status).toBe(429);
  // The HTTP grant path spends the same budget for slugs (a full token costs nothing extra).
  const viaGrant = await t.mutation(internal.apiV1.issueGrantOverHttp, { token: "quarterly-review", clientAddress: "192.0.2.50" });
  expect(viaGrant.json).toMatchObject({ ok: false, reason: "rateLimited" });
  const elsewhere = await t.mutation(internal.apiV1.issueGrantOverHttp, { token: "quarterly-review", clientAddress: "192.0.2.51" });
  expect(elsewhere.json).toMatchObject({ ok: true });
  // Tokens are not guessable and need no ticket.
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toMatchObject({ status: "ok" });
});
