import { expect, test, vi } from "vitest";
import { internal } from "./_generated/api";
import { rateLimiter } from "./lib/rateLimits";
import { initConvexTest, useFrozenClock } from "./test.setup";

useFrozenClock();

test("rate-limit rows older than a day are cleared; fresh ones stay", async () => {
  const t = initConvexTest();
  await t.run(async (ctx) => {
    await rateLimiter.limit(ctx, "attemptTicketUse", { key: "old-ticket" });
  });
  vi.advanceTimersByTime(25 * 60 * 60 * 1000);
  await t.run(async (ctx) => {
    await rateLimiter.limit(ctx, "attemptTicketUse", { key: "new-ticket" });
  });
  const stored = (key: string) => t.run(async (ctx) => (await rateLimiter.getValue(ctx, "attemptTicketUse", { key })).ts);
  expect(await stored("old-ticket")).toBeGreaterThan(0);
  await t.mutation(internal.rateLimitSweep.clearStale, {});
  // No row: getValue reports a full bucket that was never touched (ts 0).
  expect(await stored("old-ticket")).toBe(0);
  expect(await stored("new-ticket")).toBeGreaterThan(0);
});
