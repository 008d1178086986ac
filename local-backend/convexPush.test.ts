/**
 * `npx convex dev --once` and `npx convex deploy` (the real CLI, offline, self-hosted variables)
 * push to the embedded backend started with `--push`: the CLI bundles the project, the backend
 * runs what it pushed (components nested in the repo, "use node" with an external native package,
 * HTTP routes, crons), refuses a schema the stored documents violate with Convex's message, and
 * serves the same code after a restart. The fixture (componentsFixture/) is laid out as Convex's
 * docs lay out local components, with a convex.json; the folder loader honours it too.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { adminKeyOf, projectCopy, runCli } from "./cliTesting";
import { spawnBackend, type RunningBackend } from "./testing";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "componentsFixture");
let backend: RunningBackend;
let project: string;
let deployment: { url: string; adminKey: string };
const cli = (...args: string[]) => runCli(project, args, deployment, { timeoutMs: 100_000 });
const run = async (fn: string, args = "{}") => {
  const result = await cli("run", fn, args);
  expect(result.code, `${fn}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as unknown;
};
const file = (...parts: string[]) => path.join(project, ...parts);

beforeAll(async () => {
  project = projectCopy(FIXTURE);
  backend = await spawnBackend({ projectDir: project, push: true });
  deployment = { url: backend.cloudUrl, adminKey: adminKeyOf(backend) };
}, 60_000);
afterAll(async () => backend?.stop());

test("push endpoints are for admins only (401 without the key or with another)", async () => {
  const wrongKey = `convex-self-hosted|01${"0".repeat(120)}`;
  for (const [method, route] of [
    ["POST", "/api/deploy2/start_push"],
    ["POST", "/api/deploy2/finish_push"],
    ["POST", "/api/deploy2/wait_for_schema"],
    ["POST", "/api/get_config_hashes"],
    ["GET", "/api/v1/get_canonical_urls"],
  ]) {
    for (const authorization of [undefined, `Convex ${wrongKey}`]) {
      const res = await fetch(`${backend.cloudUrl}${route}`, {
        method,
        headers: authorization ? { Authorization: authorization } : {},
        body: method === "POST" ? "{}" : undefined,
      });
      expect(res.status, `${route} with ${authorization}`).toBe(401);
    }
  }
  // Nothing pushed yet: an app without functions.
  expect((await cli("run", "tasks:list")).code).not.toBe(0);
});

test("npx convex dev --once pushes the app and its nested in-repo components, and writes _generated with typed components", async () => {
  const pushed = await cli("dev", "--once", "--typecheck", "disable");
  expect(pushed.code, pushed.stderr).toBe(0);
  const out = pushed.stdout + pushed.stderr;
  expect(out).toContain("[+] tasks.by_done");
  expect(out).toContain("Installed component notes.");
  expect(out).toContain("Installed component notes/tags.");
  expect(out).toContain("Convex functions ready!");
  // convex.json's functions folder is where the CLI writes the app's _generated.
  const api = readFileSync(file("backend", "_generated", "api.d.ts"), "utf8");
  expect(api).toContain('notes: import("../../components/notes/_generated/component.js").ComponentApi<"notes">;');
  const notesApi = readFileSync(file("components", "notes", "_generated", "component.ts"), "utf8");
  expect(notesApi).toMatch(/add: FunctionReference<\s*"mutation",\s*"internal",\s*\{ text: string; tag: string \},\s*string,\s*Name\s*>/);
  expect(notesApi).toMatch(
    /byTag: FunctionReference<\s*"query",\s*"internal",\s*\{ tag: string \},\s*\{ texts: Array<string>; tagCount: number \}/,
  );
  const tagsApi = readFileSync(file("components", "tags", "_generated", "component.ts"), "utf8");
  expect(tagsApi).toMatch(/count: FunctionReference<\s*"query",\s*"internal",\s*\{ tag: string \},\s*number/);
  // The notes component's own `components` (the CLI writes the child's path relative to the functions folder).
  expect(readFileSync(file("components", "notes", "_generated", "api.ts"), "utf8")).toContain(
    'tags: import("../../components/tags/_generated/component.js").ComponentApi<"tags">',
  );

  // The pushed code serves: the app calls notes, which calls tags (two levels of components).
  expect(await run("tasks:add", '{"title":"first"}')).toMatch(/^[0-9a-z]{31,37}$/);
  await run("tasks:addNote", '{"text":"one","tag":"red"}');
  await run("tasks:addNote", '{"text":"two","tag":"red"}');
  expect(await run("tasks:notes", '{"tag":"red"}')).toEqual({ texts: ["one", "two"], tagCount: 2 });
  // Each component has its own tables.
  const tags = await cli("data", "--component", "notes/tags", "tags", "--format", "jsonl");
  expect(JSON.parse(tags.stdout.trim())).toMatchObject({ tag: "red", count: 2 });
  // "use node" with better-sqlite3 kept external (convex.json), resolved from the project's node_modules.
  expect(await run("sqlite:answer")).toBe(42);
  // HTTP routes and crons of the pushed app.
  expect(await (await fetch(`${backend.siteUrl}/hello`)).text()).toBe("hello from a pushed app");
  await expect.poll(async () => (await run("tasks:beats")) as number, { timeout: 20_000 }).toBeGreaterThan(0);
}, 120_000);

test("a schema the stored documents violate is refused with Convex's message; the last push keeps serving", async () => {
  const [first] = (await run("tasks:list")) as Array<{ _id: string; title: string; done: boolean }>;
  const schemaFile = file("backend", "schema.ts");
  const schema = readFileSync(schemaFile, "utf8");
  writeFileSync(schemaFile, schema.replace("done: v.boolean() }", "done: v.boolean(), owner: v.string() }"));
  try {
    const refused = await cli("deploy", "--typecheck", "disable");
    expect(refused.code).not.toBe(0);
    const out = refused.stdout + refused.stderr;
    expect(out).toContain("Schema validation failed.");
    // SchemaValidationError::ExistingDocument with ValidationError::MissingRequiredField's text
    // (crates/common/src/schemas/{mod,validator}.rs): fields sorted, values as ConvexValue shows them.
    expect(out).toContain(
      `Document with ID "${first._id}" in table "tasks" does not match the schema: Object is missing the required field \`owner\`. ` +
        "Consider wrapping the field validator in `v.optional(...)` if this is expected.\n\n" +
        `Object: {done: ${first.done}, title: ${JSON.stringify(first.title)}}\n` +
        "Validator: v.object({done: v.boolean(), owner: v.string(), title: v.string()})",
    );
  } finally {
    writeFileSync(schemaFile, schema);
  }
  // The old schema still applies: a task without an owner is accepted.
  await run("tasks:add", '{"title":"no owner needed"}');
}, 120_000);

test("a second push sends only what changed (get_config_hashes); the server keeps the rest", async () => {
  const tasksFile = file("backend", "tasks.ts");
  writeFileSync(
    tasksFile,
    `${readFileSync(tasksFile, "utf8")}\nexport const ping = queryGeneric({ args: {}, handler: async () => "pong" });\n`,
  );
  const requestFile = file("push-request");
  const written = await cli("deploy", "--typecheck", "disable", "--write-push-request", requestFile);
  expect(written.code, written.stderr).toBe(0);
  const request = JSON.parse(readFileSync(`${requestFile}.json`, "utf8")) as {
    appDefinition: { changedModules: Array<{ path: string }>; unchangedModuleHashes: Array<{ path: string }> };
  };
  expect(request.appDefinition.changedModules.map((m) => m.path)).toContain("tasks.js");
  expect(request.appDefinition.unchangedModuleHashes.map((m) => m.path)).toEqual(
    expect.arrayContaining(["crons.js", "http.js", "sqlite.js"]),
  );
  // A dry run evaluates and checks the push but installs nothing.
  const dry = await cli("deploy", "--typecheck", "disable", "--dry-run");
  expect(dry.code, dry.stderr).toBe(0);
  expect((await cli("run", "tasks:ping")).code).not.toBe(0);
  const deployed = await cli("deploy", "--typecheck", "disable");
  expect(deployed.code, deployed.stderr).toBe(0);
  expect(await run("tasks:ping")).toBe("pong");
  expect(await run("sqlite:answer")).toBe(42);
}, 120_000);

test("after a restart the backend serves the last push, data and components included", async () => {
  await backend.stop();
  backend = await spawnBackend({ projectDir: project, dataDir: backend.dataDir, push: true });
  deployment = { url: backend.cloudUrl, adminKey: deployment.adminKey };
  await expect.poll(() => backend.output()).toContain("Serving the functions pushed last.");
  expect(await run("tasks:notes", '{"tag":"red"}')).toEqual({ texts: ["one", "two"], tagCount: 2 });
  expect(await run("tasks:ping")).toBe("pong");
}, 120_000);

test("the folder loader honours convex.json (functions folder, node.externalPackages) and nested in-repo components", async () => {
  const folderProject = projectCopy(FIXTURE);
  const folder = await spawnBackend({ projectDir: folderProject });
  try {
    const at = { url: folder.cloudUrl, adminKey: adminKeyOf(folder) };
    const call = async (fn: string, args = "{}") => {
      const result = await runCli(folderProject, ["run", fn, args], at);
      expect(result.code, `${fn}: ${result.stderr}`).toBe(0);
      return JSON.parse(result.stdout) as unknown;
    };
    await call("tasks:addNote", '{"text":"loaded","tag":"blue"}');
    expect(await call("tasks:notes", '{"tag":"blue"}')).toEqual({ texts: ["loaded"], tagCount: 1 });
    expect(await call("sqlite:answer")).toBe(42);
  } finally {
    await folder.stop();
  }
}, 120_000);

test("a hand-made push is checked before anything runs: malformed bodies and component names that are not identifiers are 400", async () => {
  const post = (body: unknown) =>
    fetch(`${backend.cloudUrl}/api/deploy2/start_push`, {
      method: "POST",
      headers: { Authorization: `Convex ${deployment.adminKey}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  const malformed = await post({ adminKey: deployment.adminKey, dryRun: false });
  expect(malformed.status).toBe(400);
  expect(await malformed.json()).toMatchObject({ code: "InvalidConfig" });
  const definition = (metadata: unknown) => ({
    path: "convex.config.js",
    source: `export default { export: () => (${JSON.stringify(metadata)}) };`,
    environment: "isolate",
  });
  const branch = { type: "branch", branch: [] };
  const evil = await post({
    adminKey: deployment.adminKey,
    dryRun: false,
    functions: "convex/",
    appDefinition: {
      definition: definition({
        definitionType: { type: "app" },
        childComponents: [{ name: "../../evil", path: "c" }],
        httpMounts: {},
        exports: branch,
      }),
      dependencies: ["c"],
      schema: null,
      changedModules: [],
      unchangedModuleHashes: [],
      udfServerVersion: "1.48.0",
    },
    componentDefinitions: [
      {
        definitionPath: "c",
        definition: definition({
          definitionType: { type: "childComponent", name: "c" },
          childComponents: [],
          httpMounts: {},
          exports: branch,
        }),
        dependencies: [],
        schema: null,
        functions: [],
        udfServerVersion: "1.48.0",
      },
    ],
    nodeDependencies: [],
  });
  expect(evil.status).toBe(400);
  expect(await evil.json()).toMatchObject({ code: "InvalidComponentName" });
  // What serves is unchanged.
  expect(await run("sqlite:answer")).toBe(42);
});
