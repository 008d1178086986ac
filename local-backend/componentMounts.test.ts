/**
 * Components' HTTP mounts and environment, pushed by the real CLI (`npx convex dev --once`) to the
 * embedded backend and served as Convex serves them: the app's own routes under its httpPrefix,
 * a component's routes under its mount (and a grandchild's under both), a child's `process.env`
 * made of what its parent passed (a value, or an app variable read at run time) and never the
 * app's other variables, CONVEX_SITE_URL pointing at the mount; pushes Convex's type check refuses
 * (a missing required variable, an invalid value, a mount of a component without routes) are
 * refused with its messages and change nothing. Fixture: mountsFixture/.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { adminKeyOf, projectCopy, runCli } from "./cliTesting";
import { spawnBackend, type RunningBackend } from "./testing";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "mountsFixture");
let backend: RunningBackend;
let project: string;
let deployment: { url: string; adminKey: string };
const cli = (...args: string[]) => runCli(project, args, deployment, { timeoutMs: 100_000 });
const push = () => cli("dev", "--once", "--typecheck", "disable");
const site = (p: string) => fetch(`${backend.siteUrl}${p}`);
const run = async (fn: string, ...flags: string[]) => {
  const result = await cli("run", fn, "{}", ...flags);
  expect(result.code, `${fn}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as unknown;
};
const config = (file: string) => path.join(project, file);

beforeAll(async () => {
  project = projectCopy(FIXTURE);
  backend = await spawnBackend({ projectDir: project, push: true });
  deployment = { url: backend.cloudUrl, adminKey: adminKeyOf(backend) };
  for (const [name, value] of [
    ["GREETING", "hi"],
    ["ROOT_ONLY", "app secret"],
  ])
    expect((await cli("env", "set", name, value)).code).toBe(0);
  const pushed = await push();
  expect(pushed.code, pushed.stderr).toBe(0);
}, 150_000);
afterAll(async () => backend?.stop());

test("the app's routes answer under its httpPrefix, a component's under its mount, a grandchild's under both (http_routing.rs)", async () => {
  const ping = await site("/app/ping");
  expect(ping.status).toBe(200);
  // The app's handler sees the request's own URL; only routing strips the prefix.
  expect(await ping.text()).toBe("app ping at /app/ping");
  // Outside the app's prefix and every mount: Convex's answer for a path no router owns.
  const outside = await site("/ping");
  expect(outside.status).toBe(404);
  expect(await outside.text()).toBe("This Convex deployment does not have HTTP actions enabled.");

  const greet = await site("/hello/greet");
  expect(greet.status).toBe(200);
  expect(await greet.json()).toMatchObject({ path: "/hello/greet" });
  expect(await (await site("/hello/files/a/b.txt")).text()).toBe("hello file /hello/files/a/b.txt");
  // Under the mount, a path the component's router does not know: its own 404.
  const unknown = await site("/hello/nothing");
  expect(unknown.status).toBe(404);
  expect(await unknown.text()).toBe("No matching routes found");

  const where = await site("/hello/inner/where");
  expect(where.status).toBe(200);
  expect(await where.text()).toBe(`${backend.siteUrl}/hello/inner`);
}, 60_000);

test("a component's process.env is what its parent passed, read at run time; the app's other variables never reach it (udf/phase.rs)", async () => {
  expect(await run("env:both")).toEqual({
    app: { GREETING: "hi", ROOT_ONLY: "app secret" },
    hello: { GREETING: "hi", MODE: "loud", ROOT_ONLY: null, CONVEX_SITE_URL: `${backend.siteUrl}/hello` },
  });
  expect(await (await site("/hello/greet")).json()).toEqual({
    greeting: "hi",
    mode: "loud",
    rootOnly: null,
    site: `${backend.siteUrl}/hello`,
    path: "/hello/greet",
  });
  // A reference to an app variable follows the deployment's value, with no push.
  expect((await cli("env", "set", "GREETING", "bye")).code).toBe(0);
  expect(await run("env:read", "--component", "hello")).toMatchObject({ GREETING: "bye", MODE: "loud", ROOT_ONLY: null });
}, 60_000);

test("pushes Convex's component type check refuses are refused with its message, and the last push keeps serving", async () => {
  const appConfig = config("convex/convex.config.ts");
  const helloConfig = config("hello/convex.config.ts");
  const innerHttp = config("inner/http.ts");
  const original = {
    app: readFileSync(appConfig, "utf8"),
    hello: readFileSync(helloConfig, "utf8"),
    inner: readFileSync(innerHttp, "utf8"),
  };
  const refused = async (expected: string) => {
    const result = await push();
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(expected);
    // Still the last good push.
    expect(await (await site("/hello/inner/where")).text()).toBe(`${backend.siteUrl}/hello/inner`);
  };
  try {
    // A required variable the parent does not pass.
    writeFileSync(appConfig, original.app.replace('env: { GREETING: app.env.GREETING, MODE: "loud" }', 'env: { MODE: "loud" }'));
    await refused('Component [ComponentName(Identifier("hello"))] is missing required env var Identifier("GREETING")');
    // A value its validator refuses.
    writeFileSync(appConfig, original.app.replace('MODE: "loud"', 'MODE: "shouting"'));
    await refused('Component [ComponentName(Identifier("hello"))] has an invalid value for env var Identifier("MODE")');
    writeFileSync(appConfig, original.app);
    // A mount of a component that has no HTTP routes.
    writeFileSync(innerHttp, "export {};\n");
    await refused(
      `HTTP mount HttpMountPath("/inner/") is invalid: Child component ComponentName(Identifier("inner")) doesn't have any HTTP routes.`,
    );
  } finally {
    writeFileSync(appConfig, original.app);
    writeFileSync(helloConfig, original.hello);
    writeFileSync(innerHttp, original.inner);
  }
}, 150_000);

test("pushed functions run on the execution pool's workers: a query that never returns is stopped at Convex's limit while others are served", async () => {
  const spinning = cli("run", "env:spin", "{}");
  // Served meanwhile (functions of a pushed app used to run in the server's own thread, where a loop froze everything).
  expect(await run("env:read", "--component", "hello")).toMatchObject({ MODE: "loud" });
  const result = await spinning;
  expect(result.code).not.toBe(0);
  expect(result.stdout + result.stderr).toContain("Function execution timed out");
}, 60_000);
