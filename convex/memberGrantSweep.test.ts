/** Issue 12: expired member grants are swept in bounded batches; live ones stay and keep working. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import crons from "./crons";
import { MEMBER_GRANT_SWEEP_BATCH } from "./memberGrantSweep";
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
    for (let i = 0; i < MEMBER_GRANT_SWEEP_BATCH + 20; i++) {
      await ctx.db.insert("memberGrants", { teamId, videoId, userId: gone.userId, tokenHash: `h${i}`, expiresAt: now - 1 });
    }
  });
  vi.advanceTimersByTime(MEMBER_GRANT_TTL_MS + 1);
  const live = await alice.as.mutation(api.playback.openPosters, { teamId });
  // One run deletes one batch (bounded work per transaction) and schedules the rest.
  expect(await t.mutation(internal.memberGrantSweep.sweepExpired, {})).toBe(MEMBER_GRANT_SWEEP_BATCH);
  expect(await t.run(async (ctx) => (await ctx.db.query("memberGrants").collect()).length)).toBe(20 + 1);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const left = await t.run((ctx) => ctx.db.query("memberGrants").collect());
  expect(left.map((g) => g.expiresAt)).toEqual([live.expiresAt]);
  expect(left[0].videoId).toBeUndefined();
  expect(old.expiresAt).toBeLessThan(Date.now());
  expect(left[0].userId).toBe(alice.userId);
  // Nothing expired left: a run finds nothing and schedules nothing.
  expect(await t.mutation(internal.memberGrantSweep.sweepExpired, {})).toBe(0);
});

test("a cron runs the member-grant sweep", () => {
  const jobs = Object.values((crons as unknown as { crons: Record<string, { name: string }> }).crons);
  expect(jobs.map((j) => j.name)).toContain("memberGrantSweep:sweepExpired");
});
