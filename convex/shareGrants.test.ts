import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import crons from "./crons";
import { SWEEP_BATCH } from "./shareGrants";
import { initConvexTest, signedInUser, teamWithReadyVideo } from "./test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("the sweep deletes expired grants in batches and keeps live ones", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const now = Date.now();
  await t.run(async (ctx) => {
    for (let i = 0; i < SWEEP_BATCH + 20; i++) {
      await ctx.db.insert("shareGrants", { linkId: link.linkId, tokenHash: `h${i}`, expiresAt: now - 1, passwordVersion: 0 });
    }
  });
  const live = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
  expect(await t.mutation(internal.shareGrants.sweepExpired, {})).toBe(SWEEP_BATCH);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const left = await t.run((ctx) => ctx.db.query("shareGrants").collect());
  expect(left).toHaveLength(1);
  expect(live.ok).toBe(true);
});

test("a cron runs the sweep", () => {
  const jobs = Object.values((crons as unknown as { crons: Record<string, { name: string }> }).crons);
  expect(jobs.map((j) => j.name)).toContain("shareGrants:sweepExpired");
});
