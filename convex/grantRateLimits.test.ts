import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { expectCode, initConvexTest, signedInUser, teamWithReadyVideo } from "./test.setup";

const MINUTE = 60 * 1000;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-06-01T12:00:00Z"));
});
afterEach(() => vi.useRealTimers());

async function passwordLink(password = "correct horse") {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, password });
  const attempt = (viewerId: string, pw?: string) =>
    t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, password: pw, viewerId });
  return { t, alice, videoId, link, attempt };
}

test("five wrong passwords lock that viewer for 10 minutes; another viewer with the right password still gets in", async () => {
  const { attempt } = await passwordLink();
  for (let i = 0; i < 4; i++) {
    expect(await attempt("attacker-1", "guess")).toEqual({ ok: false, reason: "invalidPassword" });
  }
  const fifth = await attempt("attacker-1", "guess");
  expect(fifth).toMatchObject({ ok: false, reason: "locked" });
  expect((fifth as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(9.9 * MINUTE);
  // Even the right password is refused to the locked viewer...
  expect(await attempt("attacker-1", "correct horse")).toMatchObject({ ok: false, reason: "locked" });
  // ...but not to a different viewer.
  expect(await attempt("real-viewer", "correct horse")).toMatchObject({ ok: true });
  // The lock lapses after 10 minutes, and the streak starts fresh.
  vi.advanceTimersByTime(10 * MINUTE);
  expect(await attempt("attacker-1", "guess")).toEqual({ ok: false, reason: "invalidPassword" });
  expect(await attempt("attacker-1", "correct horse")).toMatchObject({ ok: true });
});

test("a correct password resets the viewer's failure streak", async () => {
  const { attempt } = await passwordLink();
  for (let i = 0; i < 4; i++) await attempt("viewer-abc", "typo");
  expect(await attempt("viewer-abc", "correct horse")).toMatchObject({ ok: true });
  for (let i = 0; i < 4; i++) {
    expect(await attempt("viewer-abc", "typo")).toEqual({ ok: false, reason: "invalidPassword" });
  }
});

test("wrong passwords are counted even though the mutation does not throw", async () => {
  const { t, link, attempt } = await passwordLink();
  for (let i = 0; i < 5; i++) await attempt("viewer-xyz", "typo");
  expect(await t.query(api.shareLinks.getByToken, { token: link.token, viewerId: "viewer-xyz" })).toMatchObject({
    status: "locked",
  });
});

test("the per-link cap binds only clients that failed there more than twice: a viewer who mistyped once or twice, or never, gets in", async () => {
  const { t, link, attempt } = await passwordLink();
  const holder = await attempt("holder-0001", "correct horse");
  if (!holder.ok) throw new Error("grant refused");
  const overHttp = (clientAddress: string, password: string, viewerId: string) =>
    t.mutation(internal.apiV1.issueGrantOverHttp, { token: link.token, password, viewerId, clientAddress });
  // Two real viewers mistype: one once, one twice.
  expect((await overHttp("198.51.100.8", "correct hose", "real-viewer-2")).json).toEqual({ ok: false, reason: "invalidPassword" });
  for (let i = 0; i < 2; i++) {
    expect((await overHttp("198.51.100.9", "Correct horse", "real-viewer-3")).json).toEqual({ ok: false, reason: "invalidPassword" });
  }
  // A stranger guesses from 30 addresses, three guesses each: the link's cap is spent.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 30; i++) {
      expect((await overHttp(`203.0.113.${i}`, "guess", `guesser-${i}-xx`)).json).toEqual({ ok: false, reason: "invalidPassword" });
    }
  }
  const repeat = await overHttp("203.0.113.1", "guess", "guesser-1-xx");
  expect(repeat.json).toMatchObject({ ok: false, reason: "rateLimited" });
  // The viewers who mistyped get in with the right password, as does one who never failed here.
  expect((await overHttp("198.51.100.8", "correct horse", "real-viewer-2")).json).toMatchObject({ ok: true });
  expect((await overHttp("198.51.100.9", "correct horse", "real-viewer-3")).json).toMatchObject({ ok: true });
  expect((await overHttp("198.51.100.7", "correct horse", "real-viewer-1")).json).toMatchObject({ ok: true });
  // Nor is the grant holder, who keeps watching and renewing.
  expect(await t.query(api.videos.getByShareGrant, { grantToken: holder.grantToken })).not.toBeNull();
  expect(await t.mutation(api.shareGrants.renew, { grantToken: holder.grantToken })).toMatchObject({ ok: true });
  vi.advanceTimersByTime(MINUTE);
  expect((await overHttp("203.0.113.1", "correct horse", "guesser-1-xx")).json).toMatchObject({ ok: true });
}, 60_000);

test("wrong passwords from one address are capped per link and across links, whatever viewer ids it claims", async () => {
  const { t, alice, videoId, link } = await passwordLink();
  const other = await alice.as.mutation(api.shareLinks.create, { videoId, password: "other secret" });
  const overHttp = (token: string, password: string, viewerId: string) =>
    t.mutation(internal.apiV1.issueGrantOverHttp, { token, password, viewerId, clientAddress: "192.0.2.66" });
  let refused = 0;
  for (let i = 0; i < 25; i++) {
    const r = (await overHttp(link.token, "guess", `rotating-${i}-id`)).json as { ok: boolean; reason?: string };
    if (r.reason === "rateLimited") refused++;
  }
  // 20 wrong passwords an hour per address and link (each under a fresh viewer id, so no streak lock).
  expect(refused).toBeGreaterThanOrEqual(5);
  expect((await overHttp(link.token, "correct horse", "rotating-99-id")).json).toMatchObject({ ok: false, reason: "rateLimited" });
  // The same address elsewhere is still allowed (until its cross-link budget runs out)...
  expect((await overHttp(other.token, "other secret", "rotating-98-id")).json).toMatchObject({ ok: true });
  // ...and everyone else keeps getting in on the first link.
  expect(
    (
      await t.mutation(internal.apiV1.issueGrantOverHttp, {
        token: link.token,
        password: "correct horse",
        viewerId: "someone-else",
        clientAddress: "192.0.2.1",
      })
    ).json,
  ).toMatchObject({ ok: true });
}, 60_000);

test("address-less attempts (the WebSocket mutation) have their own per-link budget of 120 a minute", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const other = await alice.as.mutation(api.shareLinks.create, { videoId });
  for (let i = 0; i < 120; i++) {
    expect((await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token })).ok).toBe(true);
  }
  expect(await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token })).toMatchObject({
    ok: false,
    reason: "rateLimited",
  });
  expect(await t.mutation(api.shareLinks.issueAccessGrant, { token: other.token })).toMatchObject({ ok: true });
  // A viewer with an address (the share page's HTTP path) is not affected.
  const http = await t.mutation(internal.apiV1.issueGrantOverHttp, { token: link.token, clientAddress: "198.51.100.9" });
  expect(http.json).toMatchObject({ ok: true });
}, 60_000);

test("no app-wide budget: one account flooding its own link refuses no one elsewhere", async () => {
  const t = initConvexTest();
  const mallory = await signedInUser(t, "Mallory");
  const own = await teamWithReadyVideo(t, mallory);
  const floodLink = await mallory.as.mutation(api.shareLinks.create, { videoId: own.videoId });
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  const victimLink = await alice.as.mutation(api.shareLinks.create, { videoId });
  // Far past any old global figure (600/min), on both paths, from one address and none.
  for (let i = 0; i < 400; i++) {
    await t.mutation(api.shareLinks.issueAccessGrant, { token: floodLink.token });
    await t.mutation(internal.apiV1.issueGrantOverHttp, { token: floodLink.token, clientAddress: "192.0.2.200" });
  }
  let granted = 0;
  for (let i = 0; i < 33; i++) {
    const r = await t.mutation(internal.apiV1.issueGrantOverHttp, {
      token: victimLink.token,
      viewerId: `viewer-${i}-abc`,
      clientAddress: `198.51.100.${i}`,
    });
    if ((r.json as { ok: boolean }).ok) granted++;
  }
  expect(granted).toBe(33);
  // The flooder's own address is the one slowed down (300 attempts a minute across links).
  const flooder = await t.mutation(internal.apiV1.issueGrantOverHttp, { token: victimLink.token, clientAddress: "192.0.2.200" });
  expect(flooder.json).toMatchObject({ ok: false, reason: "rateLimited" });
}, 120_000);

test("creating links: at most 120 a minute per user", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  for (let i = 0; i < 120; i++) await alice.as.mutation(api.shareLinks.create, { videoId });
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId }), "RATE_LIMITED");
  vi.advanceTimersByTime(MINUTE);
  await alice.as.mutation(api.shareLinks.create, { videoId });
}, 60_000);

test("a client cannot claim the server's own viewer key for an address (raw-…): a stranger cannot lock out whoever calls from there", async () => {
  const { t, link } = await passwordLink();
  const victim = { clientKey: `raw-${"a".repeat(32)}`, clientAddress: "192.0.2.50" };
  for (const viewerId of [victim.clientKey, victim.clientKey.toUpperCase()]) {
    // The browser's WebSocket call, the page's POST /api/v1/grant and the status query all refuse it.
    await expectCode(t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, password: "guess", viewerId }), "INVALID_ARGUMENT");
    await expectCode(t.query(api.shareLinks.getByToken, { token: link.token, viewerId }), "INVALID_ARGUMENT");
    for (let i = 0; i < 6; i++) {
      const refused = await t.mutation(internal.apiV1.issueGrantOverHttp, {
        token: link.token,
        password: "guess",
        viewerId,
        clientAddress: "198.51.100.60",
      });
      expect(refused.status).toBe(400);
    }
  }
  // The viewer at that address (a raw link, or a script with the password header) still gets in.
  const opened = await t.mutation(internal.apiV1.publicInfo, { tokenOrSlug: link.token, password: "correct horse", ...victim });
  expect(opened.status).toBe(200);
});
