/**
 * System errors (OCC after the retries, Convex's `throwOcc`/`throwOverloaded` test syscalls) are
 * the deployment's, not the function's (systemErrors.ts, crates/errors/src/lib.rs): HTTP answers
 * 503 `{ code, message }`; the WebSocket closes with 1013 and the code, the client reconnects and
 * sends the mutation again, which then commits once it can. Nothing the failed runs wrote is kept.
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
});
afterAll(async () => backend?.stop());

type Op = "throwOcc" | "throwOverloaded";
const untilCounter = makeFunctionReference<"mutation", { name: string; op: Op }, number>("systemErrors:untilCounter");
const increment = makeFunctionReference<"mutation", { name: string }>("messages:increment");
const unique = () => Math.random().toString(36).slice(2, 10);

test("over HTTP: 503 with Convex's code and message, even when the function catches the exception", async () => {
  for (const [op, code, message] of [
    ["throwOcc", "OptimisticConcurrencyControlFailure", "Documents read from or written to some table changed"],
    ["throwOverloaded", "Busy", "I'm a bit busy."],
  ] as const) {
    const res = await fetch(`${backend.cloudUrl}/api/mutation`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "systemErrors:untilCounter", format: "json", args: [{ name: unique(), op }] }),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe(code);
    expect(body.message).toContain(message);
    await expect(new ConvexHttpClient(backend.cloudUrl).mutation(untilCounter, { name: unique(), op })).rejects.toThrow(code);
  }
  // The failed runs wrote nothing.
  const events = await new ConvexHttpClient(backend.cloudUrl).query(
    makeFunctionReference<"query", Record<string, never>, string[]>("messages:events"),
    {},
  );
  expect(events.filter((kind) => kind.startsWith("before "))).toEqual([]);
});

test("over the WebSocket: the connection closes for a retry and the mutation commits once it can (the client sends it again)", async () => {
  for (const op of ["throwOcc", "throwOverloaded"] as const) {
    const name = unique();
    const client = new ConvexClient(backend.cloudUrl);
    try {
      const retried = client.mutation(untilCounter, { name, op });
      // The client is reconnecting in a loop meanwhile; another client makes the mutation able to finish.
      await new Promise((r) => setTimeout(r, 300));
      await new ConvexHttpClient(backend.cloudUrl).mutation(increment, { name });
      expect(await retried).toBe(1);
    } finally {
      await client.close();
    }
  }
}, 60_000);

test("a subscribed query that raises one: its connection closes for a retry, and the subscription gets the answer once the query can give one", async () => {
  const name = unique();
  const query = makeFunctionReference<"query", { name: string; op: Op }, number>("systemErrors:queryUntilCounter");
  const res = await fetch(`${backend.cloudUrl}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path: "systemErrors:queryUntilCounter", format: "json", args: [{ name, op: "throwOverloaded" }] }),
  });
  expect(res.status).toBe(503);
  const client = new ConvexClient(backend.cloudUrl);
  const seen: unknown[] = [];
  const errors: unknown[] = [];
  try {
    client.onUpdate(
      query,
      { name, op: "throwOverloaded" },
      (value) => seen.push(value),
      (error) => errors.push(error),
    );
    await new Promise((r) => setTimeout(r, 300));
    // Never reported as the query's failure: the client keeps retrying.
    expect(seen).toEqual([]);
    await new ConvexHttpClient(backend.cloudUrl).mutation(increment, { name });
    await expect.poll(() => seen, { timeout: 20_000 }).toEqual([1]);
    expect(errors).toEqual([]);
  } finally {
    await client.close();
  }
}, 60_000);

test("in an action, a runMutation that ends in one rejects with its message, which the action can catch (isolate helpers/promise.rs resolve_promise_allow_all_errors)", async () => {
  const catchFromMutation = makeFunctionReference<"action", { name: string; op: Op }, { caught: string | null }>(
    "systemErrors:catchFromMutation",
  );
  for (const [op, message] of [
    ["throwOcc", "Documents read from or written to some table changed"],
    ["throwOverloaded", "I'm a bit busy."],
  ] as const) {
    const { caught } = await new ConvexHttpClient(backend.cloudUrl).action(catchFromMutation, { name: unique(), op });
    expect(caught).toContain(message);
  }
});
