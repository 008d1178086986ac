/** Functions' runtime surface over the wire: runAction, runAt, storage get/getMetadata/delete, pings, secrets, and `.env.local` kept out of the functions' environment. */
import { ConvexHttpClient } from "convex/browser";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { adminKeyOf } from "./cliTesting";
import { APP_PROJECT, FIXTURE_PROJECT, spawnBackend, tempDataDir, type RunningBackend } from "./testing";

async function envSet(running: RunningBackend, name: string, value: string) {
  const res = await fetch(`${running.cloudUrl}/api/update_environment_variables`, {
    method: "POST",
    headers: { Authorization: `Convex ${adminKeyOf(running)}`, "Content-Type": "application/json" },
    body: JSON.stringify({ changes: [{ name, value }] }),
  });
  expect(res.status).toBe(200);
}

let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { LOCAL_BACKEND_PING_MS: "200" } });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

const call = <T>(kind: "query" | "mutation" | "action", name: string, args: object = {}) =>
  (http[kind] as (n: never, a: never) => Promise<T>)(name as never, args as never);

test("an action calls another action with ctx.runAction", async () => {
  await call("mutation", "messages:send", { channel: "nested", body: "one" });
  expect(await call("action", "runtime:nestedAction", { channel: "nested" })).toBe(101);
});

test("ctx.scheduler.runAt runs the function at the given time", async () => {
  await call("mutation", "runtime:scheduleAt", { kind: "at-time", inMs: 400 });
  expect(await call<string[]>("query", "messages:events")).not.toContain("at-time");
  await expect.poll(() => call<string[]>("query", "messages:events"), { timeout: 5000 }).toContain("at-time");
});

test("storage: getMetadata and get in an action, the _storage table, delete removes row, URL and bytes", async () => {
  const uploadUrl = await call<string>("mutation", "messages:generateUploadUrl");
  const { storageId } = (await (
    await fetch(uploadUrl, { method: "POST", body: "stored bytes", headers: { "Content-Type": "text/plain" } })
  ).json()) as { storageId: string };
  const described = await call<{ meta: { size: number; contentType: string; sha256: string }; text: string }>(
    "action",
    "runtime:describeFile",
    { storageId },
  );
  expect(described.text).toBe("stored bytes");
  expect(described.meta).toMatchObject({ size: 12, contentType: "text/plain" });
  expect(described.meta.sha256).toBeTruthy();
  expect(await call<string[]>("query", "runtime:storedFiles")).toContain(storageId);
  const { url } = await call<{ url: string }>("query", "messages:fileUrl", { storageId });
  expect((await fetch(url)).status).toBe(200);

  await call("mutation", "runtime:deleteFile", { storageId });
  expect(await call<string[]>("query", "runtime:storedFiles")).not.toContain(storageId);
  expect(await call<{ url: string | null }>("query", "messages:fileUrl", { storageId })).toMatchObject({ url: null });
  expect((await fetch(url)).status).toBe(404);
  expect(await call<{ text: string | null }>("action", "runtime:describeFile", { storageId })).toMatchObject({ text: null });
});

test("the server pings an idle client so it does not reconnect", async () => {
  const ws = new WebSocket(`${backend.cloudUrl.replace(/^http/, "ws")}/api/1.48.0/sync`);
  try {
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(JSON.stringify({ type: "Connect", sessionId: "ping-test", connectionCount: 0, lastCloseReason: null, clientTs: Date.now() }));
    // Transitions may come first (commits of earlier tests); a Ping follows while the client says nothing.
    const ping = await new Promise<{ type: string }>((resolve) =>
      ws.on("message", (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === "Ping") resolve(message);
      }),
    );
    expect(ping.type).toBe("Ping");
  } finally {
    ws.close();
  }
});

test("secrets are generated once into the data folder and passed to functions; `.env.local` never reaches them, `env set` overrides a secret (Convex: functions read deployment variables only)", async () => {
  // A project of its own (the fixture's convex/ linked in), so its .env.local touches no other test.
  const project = mkdtempSync(path.join(tmpdir(), "reelgate-project-"));
  symlinkSync(path.join(FIXTURE_PROJECT, "convex"), path.join(project, "convex"));
  mkdirSync(path.join(project, "node_modules"));
  symlinkSync(path.join(APP_PROJECT, "node_modules", "convex"), path.join(project, "node_modules", "convex"));
  const dataDir = tempDataDir();
  type Env = {
    probe: string | null;
    shareSecret: string | null;
    shareSecretLength: number;
    hasJwtKey: boolean;
    siteUrl: string | null;
    adminKeySeen: boolean;
  };
  const environmentOf = async (setSecret?: string) => {
    const running = await spawnBackend({ projectDir: project, dataDir });
    try {
      if (setSecret) await envSet(running, "SHARE_TOKEN_SECRET", setSecret);
      return {
        env: (await new ConvexHttpClient(running.cloudUrl).query("runtime:environment" as never, {} as never)) as Env,
        siteUrl: running.siteUrl,
      };
    } finally {
      await running.stop();
    }
  };

  const first = await environmentOf();
  expect(first.env).toMatchObject({ probe: null, shareSecretLength: 43, hasJwtKey: true, siteUrl: first.siteUrl });
  const saved = JSON.parse(readFileSync(path.join(dataDir, "secrets.json"), "utf8")) as Record<string, string>;
  expect(Object.keys(saved)).toEqual(expect.arrayContaining(["SHARE_TOKEN_SECRET", "JWT_PRIVATE_KEY", "JWKS"]));
  expect((await environmentOf()).env.shareSecret).toBe(first.env.shareSecret); // the same after a restart

  // The CLI's file holds the admin key and client URLs: Convex never hands them to functions
  // (crates/common/src/types/environment_variables.rs: a deployment's variables are what was set).
  writeFileSync(
    path.join(project, ".env.local"),
    `FIXTURE_DOTENV_PROBE=from-dotenv\nSHARE_TOKEN_SECRET=a-secret-chosen-by-the-developer-0123456789\nCONVEX_SELF_HOSTED_ADMIN_KEY='${adminKeyOf({ dataDir })}'\n`,
  );
  const withDotEnv = await environmentOf();
  expect(withDotEnv.env.probe).toBeNull();
  expect(withDotEnv.env.shareSecret).toBe(first.env.shareSecret);
  expect(withDotEnv.env.adminKeySeen).toBe(false);

  const overridden = await environmentOf("a-secret-chosen-by-the-developer-0123456789");
  expect(overridden.env.shareSecretLength).toBe("a-secret-chosen-by-the-developer-0123456789".length);
  expect(overridden.env.shareSecret).not.toBe(first.env.shareSecret);
}, 60_000);
