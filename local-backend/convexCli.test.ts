/**
 * The stock `convex` CLI drives the embedded backend as a self-hosted deployment
 * (CONVEX_SELF_HOSTED_URL + CONVEX_SELF_HOSTED_ADMIN_KEY, offline): admin key, run (public,
 * internal, --identity), data, env, logs, function-spec, and 401 for everyone else.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { adminKeyOf, cliProject, projectCopy, runCli } from "./cliTesting";
import { APP_PROJECT, FIXTURE_PROJECT, freePort, spawnBackend, tempDataDir, type RunningBackend } from "./testing";

let backend: RunningBackend;
let project: string;
let deployment: { url: string; adminKey: string };
const cli = (...args: string[]) => runCli(project, args, deployment);

beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
  deployment = { url: backend.cloudUrl, adminKey: adminKeyOf(backend) };
  project = cliProject(FIXTURE_PROJECT);
});
afterAll(async () => backend?.stop());

test("an admin key in Convex's self-hosted format is generated into the data folder, printed, and kept across restarts", async () => {
  expect(deployment.adminKey).toMatch(/^convex-self-hosted\|01[0-9a-f]{120}$/);
  await expect.poll(() => backend.output()).toContain(`Admin key: ${deployment.adminKey}`);
  const again = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir: backend.dataDir });
  try {
    expect(adminKeyOf(again)).toBe(deployment.adminKey);
    await expect.poll(() => again.output()).toContain(`Admin key: ${deployment.adminKey}`);
  } finally {
    await again.stop();
  }
  expect(readFileSync(path.join(backend.dataDir, "admin_key"), "utf8").trim()).toBe(deployment.adminKey);
}, 120_000);

test("admin endpoints refuse a missing or wrong key with 401; clients cannot reach internal functions", async () => {
  const wrongKey = `convex-self-hosted|01${"0".repeat(120)}`;
  for (const [method, route] of [
    ["POST", "/api/update_environment_variables"],
    ["GET", "/api/stream_function_logs?cursor=0"],
    ["POST", "/api/export/request/zip?includeStorage=false"],
    ["POST", "/api/import/start_upload"],
    ["GET", "/api/list_environment_variables"],
  ]) {
    for (const authorization of [undefined, `Convex ${wrongKey}`, "Bearer nope"]) {
      const res = await fetch(`${backend.cloudUrl}${route}`, {
        method,
        headers: authorization ? { Authorization: authorization } : {},
        body: method === "POST" ? "{}" : undefined,
      });
      expect(res.status, `${method} ${route} with ${authorization}`).toBe(401);
    }
  }
  const call = (authorization?: string) =>
    fetch(`${backend.cloudUrl}/api/function`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(authorization ? { Authorization: authorization } : {}) },
      body: JSON.stringify({ path: "messages:record", args: { kind: "from-http" }, format: "convex_encoded_json" }),
    });
  expect((await call()).status).toBe(560);
  expect((await call(`Convex ${wrongKey}`)).status).toBe(401);
  expect(await (await call(`Convex ${deployment.adminKey}`)).json()).toMatchObject({ status: "success", value: null });
  // System functions are for admins only.
  const system = await fetch(`${backend.cloudUrl}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path: "_system/cli/queryEnvironmentVariables", args: [{}], format: "convex_encoded_json" }),
  });
  expect(system.status).toBe(560);
  // The CLI with a wrong key fails instead of reading anything.
  const refused = await runCli(project, ["data"], { ...deployment, adminKey: wrongKey });
  expect(refused.code).not.toBe(0);
  expect(`${refused.stdout}${refused.stderr}`).toContain("admin key was invalid");
}, 120_000);

test("npx convex run: public and internal functions, arguments, --identity", async () => {
  const sent = await cli("run", "messages:send", '{"channel":"cli","body":"from the CLI"}');
  expect(sent.code, sent.stderr).toBe(0);
  expect(JSON.parse(sent.stdout)).toMatch(/^[0-9a-z]{31,37}$/);
  const listed = await cli("run", "messages:list", '{"channel":"cli"}');
  expect(JSON.parse(listed.stdout)).toMatchObject([{ body: "from the CLI", channel: "cli" }]);
  const internal = await cli("run", "messages:record", '{"kind":"internal-from-cli"}');
  expect(internal.code, internal.stderr).toBe(0);
  expect(JSON.parse((await cli("run", "messages:events")).stdout)).toContain("internal-from-cli");
  const who = await cli("run", "messages:whoAmI", "{}", "--identity", '{"subject":"alice","name":"Alice"}');
  expect(JSON.parse(who.stdout)).toBe("alice");
  const missing = await cli("run", "messages:nope");
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toContain("messages:send");
}, 120_000);

test("npx convex data lists tables and documents", async () => {
  await cli("run", "messages:send", '{"channel":"data","body":"row for data"}');
  const tables = await cli("data");
  expect(tables.code, tables.stderr).toBe(0);
  expect(tables.stdout.split("\n")).toEqual(expect.arrayContaining(["messages", "events"]));
  const rows = await cli("data", "messages", "--format", "jsonl");
  expect(rows.code, rows.stderr).toBe(0);
  const docs = rows.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { body: string; _id: string });
  expect(docs.map((d) => d.body)).toContain("row for data");
  expect(docs[0].body).toBe("row for data"); // newest first
  const limited = await cli("data", "messages", "--limit", "1", "--order", "asc", "--format", "jsonl");
  expect(limited.stdout.trim().split("\n")).toHaveLength(1);
}, 120_000);

test("npx convex env set|get|list|remove: deployment variables functions see, kept in the data folder", async () => {
  expect((await cli("env", "set", "FIXTURE_DOTENV_PROBE", "set by the CLI")).code).toBe(0);
  expect((await cli("env", "set", "SECOND_VAR=two")).code).toBe(0);
  expect((await cli("env", "get", "FIXTURE_DOTENV_PROBE")).stdout.trim()).toBe("set by the CLI");
  const list = await cli("env", "list");
  expect(list.stdout).toContain("FIXTURE_DOTENV_PROBE=set by the CLI");
  expect(list.stdout).toContain("SECOND_VAR=two");
  expect(JSON.parse((await cli("run", "runtime:environment")).stdout).probe).toBe("set by the CLI");
  expect(JSON.parse(readFileSync(path.join(backend.dataDir, "env.json"), "utf8"))).toMatchObject({ SECOND_VAR: "two" });
  const bad = await cli("env", "set", "1BAD", "x");
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain("EnvironmentVariableNameInvalid");
  expect((await cli("env", "remove", "SECOND_VAR")).code).toBe(0);
  expect((await cli("env", "list")).stdout).not.toContain("SECOND_VAR");
  // After a restart, functions still see them.
  const again = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir: backend.dataDir });
  try {
    const probe = await runCli(project, ["run", "runtime:environment"], { url: again.cloudUrl, adminKey: deployment.adminKey });
    expect(JSON.parse(probe.stdout).probe).toBe("set by the CLI");
  } finally {
    await again.stop();
  }
  expect((await cli("env", "remove", "FIXTURE_DOTENV_PROBE")).code).toBe(0);
  expect(JSON.parse((await cli("run", "runtime:environment")).stdout).probe).toBeNull();
}, 120_000);

test("npx convex logs streams function log lines as they are printed", async () => {
  let seen!: () => void;
  const watching = new Promise<void>((resolve) => (seen = resolve));
  const logs = runCli(project, ["logs"], deployment, {
    timeoutMs: 12_000,
    onStdout: (out) => {
      if (out.includes("'sending' 'streamed line'")) seen();
    },
  });
  // The first poll starts from the present: send after the CLI is watching.
  await new Promise((r) => setTimeout(r, 3000));
  await cli("run", "messages:send", '{"channel":"logs","body":"streamed line"}');
  await Promise.race([watching, logs]);
  const result = await logs;
  expect(result.stdout).toMatch(/\[CONVEX M\(messages\.js:send\)\] \[LOG\] 'sending' 'streamed line'/);
}, 120_000);

test("npx convex import --table: JSON Lines, a JSON array and CSV into one table, appended or replacing it", async () => {
  const dir = tempDataDir("reelgate-import-");
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const rows = async (table: string) =>
    (await cli("data", table, "--format", "jsonl", "--order", "asc")).stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const jsonl = await cli(
    "import",
    "--table",
    "events",
    "--append",
    "--yes",
    file("events.jsonl", '{"kind":"from-jsonl","at":1}\n{"kind":"from-jsonl","at":2}\n'),
  );
  expect(jsonl.code, jsonl.stderr).toBe(0);
  expect((await rows("events")).filter((e) => e.kind === "from-jsonl").map((e) => e.at)).toEqual([1, 2]);
  // The schema holds for imported rows, in Convex's words; nothing of a refused file is written.
  const mismatch = await cli(
    "import",
    "--table",
    "events",
    "--append",
    "--yes",
    file("mismatch.jsonl", '{"kind":"ok-row","at":3}\n{"kind":7,"at":4}\n'),
  );
  expect(mismatch.code).not.toBe(0);
  expect(mismatch.stdout + mismatch.stderr).toContain(
    'Failed to insert or update a document in table "events" because it does not match the schema: Value does not match validator.\nPath: .kind\nValue: 7.0\nValidator: v.string()',
  );
  expect((await rows("events")).some((e) => e.kind === "ok-row")).toBe(false);
  // A JSON array; with no generated schema every number is a float64 and a `$` field is refused, not decoded.
  const array = await cli("import", "--table", "loose", "--yes", file("loose.json", '[{"from":"json","n":7,"nested":{"list":[1.5,"x"]}}]'));
  expect(array.code, array.stderr).toBe(0);
  const [fromJson] = await rows("loose");
  expect(fromJson).toMatchObject({ from: "json", n: 7, nested: { list: [1.5, "x"] } });
  expect(fromJson._id).toMatch(/^[0-9a-z]{31,37}$/);
  const dollar = await cli(
    "import",
    "--table",
    "loose",
    "--append",
    "--yes",
    file("dollar.jsonl", '{"big":{"$integer":"BwAAAAAAAAA="}}\n'),
  );
  expect(dollar.code).not.toBe(0);
  expect(dollar.stdout + dollar.stderr).toContain(`Row 1 wasn't a valid Convex value: invalid field name "$integer"`);
  // CSV: headers name the fields, cells that parse as numbers are numbers (inf has no JSON number: null), quotes as RFC 4180.
  const csv = await cli(
    "import",
    "--table",
    "loose",
    "--replace",
    "--yes",
    file("loose.csv", 'from,score,note\r\ncsv,3.5,"hello, world"\r\ncsv,inf,"say ""hi"""\r\n'),
  );
  expect(csv.code, csv.stderr).toBe(0);
  expect((await rows("loose")).map(({ from, score, note }) => ({ from, score, note }))).toEqual([
    { from: "csv", score: 3.5, note: "hello, world" },
    { from: "csv", score: null, note: 'say "hi"' },
  ]);
  // --replace empties the table first (the JSON row went above); without a mode an occupied table is refused.
  const replaced = await cli("import", "--table", "loose", "--replace", "--yes", file("one.jsonl", '{"from":"replace"}\n'));
  expect(replaced.code, replaced.stderr).toBe(0);
  expect((await rows("loose")).map((r) => r.from)).toEqual(["replace"]);
  const occupied = await cli("import", "--table", "loose", "--yes", file("two.jsonl", '{"from":"again"}\n'));
  expect(occupied.code).not.toBe(0);
  // A row that is not an object is refused with Convex's message (GeneratedSchema::apply), and nothing is written.
  const bad = await cli("import", "--table", "loose", "--append", "--yes", file("bad.jsonl", '{"from":"ok"}\n[1]\n'));
  expect(bad.code).not.toBe(0);
  expect(bad.stdout + bad.stderr).toContain("Row 2 wasn't a valid Convex value: expected object, received [1]");
  expect((await rows("loose")).map((r) => r.from)).toEqual(["replace"]);
}, 120_000);

test("npx convex function-spec lists functions with visibility, validators and HTTP routes", async () => {
  const spec = await cli("function-spec");
  expect(spec.code, spec.stderr).toBe(0);
  const parsed = JSON.parse(spec.stdout) as { url: string; functions: Array<Record<string, unknown>> };
  expect(parsed.url).toBe(backend.cloudUrl);
  expect(parsed.functions).toContainEqual(
    expect.objectContaining({ identifier: "messages.js:send", functionType: "Mutation", visibility: { kind: "public" } }),
  );
  expect(parsed.functions).toContainEqual(
    expect.objectContaining({ identifier: "messages.js:record", functionType: "Mutation", visibility: { kind: "internal" } }),
  );
  const list = parsed.functions.find((f) => f.identifier === "messages.js:list")!;
  expect(list.args).toMatchObject({ type: "object", value: { channel: { fieldType: { type: "string" } } } });
  expect(parsed.functions.some((f) => f.functionType === "HttpAction")).toBe(true);
}, 120_000);

test("npm start prints the two variables to export for the convex CLI, with the data folder's key", async () => {
  const [port, sitePort] = [await freePort(), await freePort()];
  const dataDir = tempDataDir();
  const child = spawn(process.execPath, [path.join(APP_PROJECT, "scripts", "start.mjs"), "--backend-only"], {
    cwd: APP_PROJECT,
    env: {
      ...process.env,
      LOCAL_BACKEND_PORT: String(port),
      LOCAL_BACKEND_SITE_PORT: String(sitePort),
      LOCAL_BACKEND_DATA: dataDir,
      // What npm start pushes with the CLI: a copy, so nothing is written into this repository.
      LOCAL_BACKEND_PROJECT: projectCopy(path.join(APP_PROJECT, "local-backend", "componentsFixture")),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise((r) => child.on("exit", r));
  try {
    await expect.poll(() => out, { timeout: 30_000 }).toContain("export CONVEX_SELF_HOSTED_ADMIN_KEY=");
    const key = readFileSync(path.join(dataDir, "admin_key"), "utf8").trim();
    expect(out).toContain(`export CONVEX_SELF_HOSTED_URL=http://127.0.0.1:${port}`);
    expect(out).toContain(`export CONVEX_SELF_HOSTED_ADMIN_KEY='${key}'`);
  } finally {
    child.kill("SIGINT");
    await exited;
  }
}, 120_000);
