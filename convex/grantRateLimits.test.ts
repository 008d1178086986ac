import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
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

test("per-link cap: 10 failures a minute from anyone slow everyone's password attempts, not grant holders", async () => {
  const { t, attempt } = await passwordLink();
  const holder = await attempt("holder-0001", "correct horse");
  if (!holder.ok) throw new Error("grant refused");
  for (let i = 0; i < 10; i++) {
    // Ten different viewers, so no per-viewer lock is involved.
    expect(await attempt(`guesser-${i}-xx`, "guess")).toEqual({ ok: false, reason: "invalidPassword" });
  }
  const capped = await attempt("newcomer-01", "correct horse");
  expect(capped).toMatchObject({ ok: false, reason: "rateLimited" });
  expect((capped as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
  // The holder keeps watching and renewing.
  expect(await t.query(api.videos.getByShareGrant, { grantToken: holder.grantToken })).not.toBeNull();
  expect(await t.mutation(api.shareGrants.renew, { grantToken: holder.grantToken })).toMatchObject({ ok: true });
  vi.advanceTimersByTime(MINUTE);
  expect(await attempt("newcomer-01", "correct horse")).toMatchObject({ ok: true });
});

test("at most 120 grant attempts a minute per link", async () => {
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
});

test("at most 600 grant attempts a minute across the app", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  const tokens = [];
  for (let i = 0; i < 6; i++) tokens.push((await alice.as.mutation(api.shareLinks.create, { videoId })).token);
  let granted = 0;
  let limited = 0;
  for (const token of tokens) {
    for (let i = 0; i < 110; i++) {
      const r = await t.mutation(api.shareLinks.issueAccessGrant, { token });
      if (r.ok) granted++;
      else if (r.reason === "rateLimited") limited++;
    }
  }
  // Sharded buckets may admit a little less than the nominal 600; never more.
  expect(granted).toBeLessThanOrEqual(600);
  expect(granted).toBeGreaterThan(500);
  expect(limited).toBe(660 - granted);
}, 60_000);

test("creating links: at most 120 a minute per user", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  for (let i = 0; i < 120; i++) await alice.as.mutation(api.shareLinks.create, { videoId });
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId }), "RATE_LIMITED");
  vi.advanceTimersByTime(MINUTE);
  await alice.as.mutation(api.shareLinks.create, { videoId });
}, 60_000);
