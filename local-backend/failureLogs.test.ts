/**
 * A function's log lines go back with its error, as Convex returns them (the HTTP API's error
 * body, QueryFailed and a failed MutationResponse carry `logLines`): what it logged before it
 * threw is not lost.
 */
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
});
afterAll(async () => backend?.stop());

async function post(kind: "query" | "mutation", path: string, args: object) {
  const res = await fetch(`${backend.cloudUrl}/api/${kind}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path, format: "convex_encoded_json", args: [args] }),
  });
  return { status: res.status, body: (await res.json()) as { status: string; errorMessage: string; logLines: string[] } };
}

test("HTTP API: a query and a mutation that log, then throw, answer 560 with their log lines", async () => {
  const query = await post("query", "execution:logThenThrow", { marker: "q1" });
  expect(query.status).toBe(560);
  expect(query.body.errorMessage).toContain("failed q1");
  expect(query.body.logLines).toEqual(["[LOG] 'about to fail q1'"]);
  const mutation = await post("mutation", "execution:logThenThrowMutation", { marker: "m1" });
  expect(mutation.body.errorMessage).toContain("failed m1");
  expect(mutation.body.logLines).toEqual(["[WARN] 'about to fail m1'"]);
});

test("sync protocol: QueryFailed and a failed MutationResponse carry the log lines", async () => {
  const logged: string[] = [];
  const capture = (...args: unknown[]) => logged.push(args.map(String).join(" "));
  const client = new ConvexClient(backend.cloudUrl, {
    webSocketConstructor: WebSocket as never,
    unsavedChangesWarning: false,
    logger: { logVerbose: () => undefined, log: capture, warn: capture, error: capture },
  } as never);
  try {
    await expect(client.mutation("execution:logThenThrowMutation" as never, { marker: "ws-m" } as never)).rejects.toThrow("failed ws-m");
    const failed = await new Promise<string>((resolve) => {
      const unsubscribe = client.onUpdate(
        "execution:logThenThrow" as never,
        { marker: "ws-q" } as never,
        () => undefined,
        (error: Error) => {
          unsubscribe();
          resolve(error.message);
        },
      );
    });
    expect(failed).toContain("failed ws-q");
    await expect.poll(() => logged.join("\n")).toContain("about to fail ws-q");
    expect(logged.join("\n")).toContain("about to fail ws-m");
  } finally {
    await client.close();
  }
});
