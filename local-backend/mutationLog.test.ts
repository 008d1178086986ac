import { afterEach, expect, test, vi } from "vitest";
import { MutationLog, remember, type MutationLogLimits, type MutationResponse } from "./mutationLog";

const limits: MutationLogLimits = { perSession: 3, responseBytes: 200, graceMs: 1000, sessions: 2, bytes: 10_000 };
const ok = (requestId: number, result: unknown = requestId): MutationResponse => ({
  type: "MutationResponse",
  requestId,
  success: true,
  result,
  ts: "AAAA",
  logLines: [],
});
afterEach(() => vi.useRealTimers());

test("a re-sent request is answered from the log, not run again", async () => {
  const log = new MutationLog(limits);
  let runs = 0;
  const run = async () => (runs++, ok(1));
  expect(await log.respond("s", 1, null, run)).toEqual({ fresh: ok(1) });
  const again = await log.respond("s", 1, null, run);
  expect(runs).toBe(1);
  expect("again" in again && JSON.parse(again.again.text)).toEqual(ok(1));
  // Same request id from another identity is not someone else's answer.
  await log.respond("s", 1, "other", run);
  expect(runs).toBe(2);
});

test("per-session cap: only the latest requests are kept", async () => {
  const log = new MutationLog(limits);
  for (let i = 1; i <= 5; i++) await log.respond("s", i, null, async () => ok(i));
  expect(log.entries("s")).toBe(3);
  let runs = 0;
  await log.respond("s", 1, null, async () => (runs++, ok(1)));
  expect(runs).toBe(1);
});

test("a disconnected session's results are freed after the grace period, not while it reconnects", async () => {
  vi.useFakeTimers();
  const log = new MutationLog(limits);
  log.connected("s");
  await log.respond("s", 1, null, async () => ok(1));
  log.disconnected("s");
  vi.advanceTimersByTime(500);
  log.connected("s"); // reconnected in time
  log.disconnected("s");
  vi.advanceTimersByTime(999);
  expect(log.sessionCount).toBe(1);
  vi.advanceTimersByTime(1);
  expect(log.sessionCount).toBe(0);
  expect(log.bytes).toBe(0);
});

test("the number of remembered sessions and their bytes are capped (least recently used go first)", async () => {
  const log = new MutationLog(limits);
  for (const s of ["a", "b", "c"]) await log.respond(s, 1, null, async () => ok(1));
  expect(log.sessionCount).toBe(2);
  expect(log.entries("a")).toBe(0);
  const tight = new MutationLog({ ...limits, sessions: 100, bytes: 300 });
  for (const s of ["a", "b", "c", "d"]) await tight.respond(s, 1, null, async () => ok(1, "x".repeat(100)));
  expect(tight.bytes).toBeLessThanOrEqual(300);
});

test("large responses are kept as short acknowledgements", () => {
  const huge = remember(ok(7, "x".repeat(1 << 20)), 200);
  expect(huge.text.length).toBeLessThan(400);
  expect(JSON.parse(huge.text)).toMatchObject({ requestId: 7, success: false, errorData: { code: "MutationResultNotKept" } });
  const failed = remember(
    { type: "MutationResponse", requestId: 8, success: false, result: `Could not find '${"p".repeat(1 << 20)}'`, logLines: [] },
    200,
  );
  expect(failed.text.length).toBeLessThan(1200);
  expect(JSON.parse(failed.text)).toMatchObject({ requestId: 8, success: false });
  expect(remember(ok(9), 200)).toEqual({ success: true, text: JSON.stringify(ok(9)) });
});
