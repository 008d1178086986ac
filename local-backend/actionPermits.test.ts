/** Convex's action concurrency limit (actionPermits.ts); the server-level refusals are tested in execution.test.ts. */
import { expect, test } from "vitest";
import { ActionPermits, TooManyConcurrentRequests, tooManyConcurrentActions } from "./actionPermits";

const settledWithin = async <T>(promise: Promise<T>, ms: number) =>
  await Promise.race([promise.then((value) => ({ value })), new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);

test("Convex's refusal, worded by whether the limit is above the free tier's 16", () => {
  expect(tooManyConcurrentActions(64)).toBe(
    "Too many concurrent requests. Your backend is limited to 64 concurrent actions. If you need more resources, please contact support.",
  );
  expect(tooManyConcurrentActions(16)).toBe(
    "Too many concurrent requests. Your backend is limited to 16 concurrent actions. To get more resources, upgrade to Convex Pro. If you are already on Convex Pro, please contact support.",
  );
});

test("past the limit a call with a timeout is refused after it; a scheduled one (forever) waits and gets the next permit freed", async () => {
  const permits = new ActionPermits(1, 50);
  const held = await permits.acquire("timeout");
  const scheduled = permits.acquire("forever");
  const refused = permits.acquire("timeout").catch((error: unknown) => error);
  const error = await refused;
  expect(error).toBeInstanceOf(TooManyConcurrentRequests);
  expect((error as TooManyConcurrentRequests).status).toBe(429);
  expect((error as TooManyConcurrentRequests).code).toBe("TooManyConcurrentRequests");
  expect(await settledWithin(scheduled, 100)).toBeNull(); // still waiting, past the timeout
  held.release();
  held.release(); // once only: a second release frees nothing
  const granted = await scheduled;
  expect(permits.active).toBe(1);
  // A newcomer waits behind nobody but the holder, and is refused while it holds.
  await expect(permits.acquire("timeout")).rejects.toThrow(tooManyConcurrentActions(1));
  granted.release();
  expect(permits.active).toBe(0);
  (await permits.acquire("timeout")).release();
});

test("waiters get permits in arrival order", async () => {
  const permits = new ActionPermits(1, 1000);
  const first = await permits.acquire("timeout");
  const order: string[] = [];
  const a = permits.acquire("forever").then((p) => (order.push("a"), p));
  const b = permits.acquire("timeout").then((p) => (order.push("b"), p));
  first.release();
  (await a).release();
  (await b).release();
  expect(order).toEqual(["a", "b"]);
});
