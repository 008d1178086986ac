/**
 * Component functions are callable only by their parent app: a client naming a component path
 * (the rate limiter's `lib:clearAll`, `lib:resetRateLimit`, `lib:getValue`) is refused on every
 * transport with Convex's "Could not find public function" message, and nothing runs.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { APP_PROJECT, spawnBackend, type RunningBackend } from "./testing";
import { connectFrame, wsExchange } from "./wireTesting";

let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT });
}, 60_000);
afterAll(async () => backend?.stop());

const refusal = (udfPath: string) => `Could not find public function for '${udfPath}' in 'rateLimiter'`;
const componentCalls = [
  { udfPath: "lib:clearAll", args: {} },
  { udfPath: "lib:resetRateLimit", args: { name: "grantAttempt" } },
  { udfPath: "lib:getValue", args: { name: "grantAttempt", config: { kind: "token bucket", rate: 1, period: 1000 } } },
];

test("over /api/query, /api/mutation, /api/action and /api/function", async () => {
  for (const route of ["query", "mutation", "action", "function"]) {
    for (const { udfPath, args } of componentCalls) {
      const res = await fetch(`${backend.cloudUrl}/api/${route}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path: udfPath, componentPath: "rateLimiter", args: [args], format: "json" }),
      });
      const body = (await res.json()) as { status: string; errorMessage: string };
      expect(body.status, `${route} ${udfPath}`).toBe("error");
      expect(body.errorMessage, `${route} ${udfPath}`).toContain(refusal(udfPath));
    }
  }
  // Also for a component that does not exist: the same answer, nothing about the component tree.
  const res = await fetch(`${backend.cloudUrl}/api/mutation`, {
    method: "POST",
    body: JSON.stringify({ path: "lib:x", componentPath: "nope/deeper", args: {} }),
  });
  expect(((await res.json()) as { errorMessage: string }).errorMessage).toContain(
    "Could not find public function for 'lib:x' in 'nope/deeper'",
  );
});

test("over the WebSocket: Mutation, Action and a subscribed query", async () => {
  const frames = [connectFrame()];
  componentCalls.forEach(({ udfPath, args }, i) => {
    frames.push(JSON.stringify({ type: "Mutation", requestId: i, udfPath, args: [args], componentPath: "rateLimiter" }));
    frames.push(JSON.stringify({ type: "Action", requestId: 100 + i, udfPath, args: [args], componentPath: "rateLimiter" }));
  });
  frames.push(
    JSON.stringify({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: componentCalls.map(({ udfPath, args }, i) => ({
        type: "Add",
        queryId: i,
        udfPath,
        args: [args],
        componentPath: "rateLimiter",
      })),
    }),
  );
  const reply = await wsExchange(backend.cloudUrl, frames, 1500);
  const responses = reply.messages.filter((m) => m.type === "MutationResponse" || m.type === "ActionResponse");
  expect(responses).toHaveLength(componentCalls.length * 2);
  for (const response of responses) {
    expect(response.success).toBe(false);
    expect(String(response.result)).toMatch(
      /^\[Request ID: [a-f0-9]{16}\] Server Error\nCould not find public function for 'lib:\w+' in 'rateLimiter'/,
    );
  }
  const modifications = reply.messages
    .filter((m) => m.type === "Transition")
    .flatMap((m) => m.modifications as Array<Record<string, unknown>>);
  expect(modifications).toHaveLength(componentCalls.length);
  for (const modification of modifications) {
    expect(modification.type).toBe("QueryFailed");
    expect(String(modification.errorMessage)).toMatch(
      /^\[Request ID: [a-f0-9]{16}\] Server Error\nCould not find public function for 'lib:\w+' in 'rateLimiter'/,
    );
  }
});

test("the app's own public functions still answer (an honest query over HTTP, with and without an empty componentPath)", async () => {
  for (const extra of [{}, { componentPath: "" }]) {
    const res = await fetch(`${backend.cloudUrl}/api/query`, {
      method: "POST",
      body: JSON.stringify({ path: "shareLinks:getByToken", args: { token: "missing" }, ...extra }),
    });
    expect(((await res.json()) as { status: string }).status).toBe("success");
  }
});
