/** Expired share and member grants are swept in bounded batches; live ones stay and keep working. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import crons from "./crons";
import { GRANT_SWEEP_BATCH } from "./grantSweep";
import { MEMBER_GRANT_TTL_MS } from "./lib/memberGrants";
import { initConvexTest, signedInUser, teamWithReadyVideo } from "./test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("the sweep deletes expired member grants a batch per run, scheduling itself until none is left; live grants stay", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  const old = await alice.as.mutation(api.playback.openPlayback, { videoId });
  // Grants of someone who never opens a player again (issuing clears only the issuer's own).
  const gone = await signedInUser(t, "Gone");
  const now = Date.now();
  await t.run(async (ctx) => {
    for (let i = 0; i < GRANT_SWEEP_BATCH + 20; i++) {
      await ctx.db.insert("memberGrants", { teamId, videoId, userId: gone.userId, tokenHash: `h${i}`, expiresAt: now - 1 });
    }
  });
  vi.advanceTimersByTime(MEMBER_GRANT_TTL_MS + 1);
  const live = await alice.as.mutation(api.playback.openPosters, { teamId });
  // One run deletes one batch (bounded work per transaction) and schedules the rest.
  expect(await t.mutation(internal.grantSweep.sweepExpired, { table: "memberGrants" })).toBe(GRANT_SWEEP_BATCH);
  expect(await t.run(async (ctx) => (await ctx.db.query("memberGrants").collect()).length)).toBe(20 + 1);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const left = await t.run((ctx) => ctx.db.query("memberGrants").collect());
  expect(left.map((g) => g.expiresAt)).toEqual([live.expiresAt]);
  expect(left[0].videoId).toBeUndefined();
  expect(old.expiresAt).toBeLessThan(Date.now());
  expect(left[0].userId).toBe(alice.userId);
  // Nothing expired left: a run finds nothing and schedules nothing.
  expect(await t.mutation(internal.grantSweep.sweepExpired, { table: "memberGrants" })).toBe(0);
});

test("the sweep deletes expired share grants in batches and keeps live ones; it leaves member grants alone", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const now = Date.now();
  await t.run(async (ctx) => {
    for (let i = 0; i < GRANT_SWEEP_BATCH + 20; i++) {
      await ctx.db.insert("shareGrants", { linkId: link.linkId, tokenHash: `h${i}`, expiresAt: now - 1, passwordVersion: 0 });
    }
    await ctx.db.insert("memberGrants", { teamId, videoId, userId: alice.userId, tokenHash: "member", expiresAt: now - 1 });
  });
  const live = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
  expect(await t.mutation(internal.grantSweep.sweepExpired, { table: "shareGrants" })).toBe(GRANT_SWEEP_BATCH);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const left = await t.run((ctx) => ctx.db.query("shareGrants").collect());
  expect(left).toHaveLength(1);
  expect(live.ok).toBe(true);
  expect(await t.run(async (ctx) => (await ctx.db.query("memberGrants").collect()).length)).toBe(1);
});

test("crons sweep both grant tables", () => {
  const jobs = Object.values((crons as unknown as { crons: Record<string, { name: string; args: unknown[] }> }).crons);
  const swept = jobs.filter((j) => j.name === "grantSweep:sweepExpired").map((j) => j.args[0]);
  expect(swept).toEqual(expect.arrayContaining([{ table: "shareGrants" }, { table: "memberGrants" }]));
});

test("the sweep refuses a table that is not a grant table", async () => {
  const t = initConvexTest();
  await expect(t.mutation(internal.grantSweep.sweepExpired, { table: "videos" as "shareGrants" })).rejects.toThrow(/Validator|validator/);
});
