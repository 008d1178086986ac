/**
 * `npx convex export` from one embedded backend → `npx convex import` into a fresh one, on the
 * app's own data (account, team, video with its file, share link, grant): every document, id,
 * `_creationTime`, file and index survives, and a share link created before opens the same video.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import { adminKeyOf, cliProject, runCli } from "../local-backend/cliTesting";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";
import { ZipReader } from "../local-backend/zip";
import { APP_PROJECT, attemptTicket, signUp, uploadReadyVideo, withMp4Head } from "./appTesting";

const BYTES = withMp4Head(new Uint8Array(200_000).map((_, i) => (i * 13) % 251));
let source: RunningBackend;
let target: RunningBackend | null = null;
let project: string;

beforeAll(async () => {
  source = await spawnBackend({ projectDir: APP_PROJECT });
  project = cliProject(APP_PROJECT);
}, 60_000);
afterAll(async () => {
  await source?.stop();
  await target?.stop();
});

type Dump = Record<string, Array<Record<string, unknown>>>;

/** Every document of every table (the app's and its components'), through the admin API. */
async function dump(backend: RunningBackend): Promise<Dump> {
  const adminKey = adminKeyOf(backend);
  const query = async (componentPath: string, fn: string, args: Record<string, unknown>) => {
    const res = await fetch(`${backend.cloudUrl}/api/function`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Convex ${adminKey}` },
      body: JSON.stringify({ path: fn, componentPath, args, format: "convex_encoded_json" }),
    });
    const body = (await res.json()) as { status: string; value: any; errorMessage?: string };
    if (body.status !== "success") throw new Error(body.errorMessage);
    return body.value;
  };
  const out: Dump = {};
  for (const componentPath of ["", "rateLimiter"]) {
    const { page: tables } = (await query(componentPath, "_system/cli/tables", { paginationOpts: { cursor: null, numItems: 1000 } })) as {
      page: { name: string }[];
    };
    for (const { name } of [...tables, { name: "_storage" }]) {
      const { page } = await query(componentPath, "_system/cli/tableData", {
        table: name,
        order: "asc",
        paginationOpts: { cursor: null, numItems: 1000 },
      });
      if (page.length > 0) out[`${componentPath}:${name}`] = page;
    }
  }
  return out;
}

test("export → import into a fresh backend keeps every document, id, _creationTime, file and index; an old share link opens the same video", async () => {
  // The app's data: an account, a team, a video with its file, a share link and a grant (rate limits in the component).
  const { http: member } = await signUp(source, "mover@example.com", "Mover");
  const teamId = await member.mutation(api.teams.create, { name: "Movers" });
  const { videoId, storageId } = await uploadReadyVideo(member, teamId, { body: BYTES as BodyInit, title: "Moving day" });
  const link = await member.mutation(api.shareLinks.create, { videoId });
  const anon = new ConvexHttpClient(source.cloudUrl);
  const grant = await anon.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-before" });
  expect(grant.ok).toBe(true);
  const before = await dump(source);
  expect(Object.keys(before)).toEqual(
    expect.arrayContaining([":users", ":teams", ":videos", ":shareLinks", ":_storage", "rateLimiter:rateLimits"]),
  );

  const deploymentA = { url: source.cloudUrl, adminKey: adminKeyOf(source) };
  const exported = await runCli(project, ["export", "--include-file-storage", "--path", "snap.zip"], deploymentA);
  expect(exported.code, exported.stderr).toBe(0);
  const zipFile = path.join(project, "snap.zip");
  expect(existsSync(zipFile)).toBe(true);
  // Convex's layout: _tables, documents per table, _storage metadata and files, components under _components/.
  const zip = new ZipReader(zipFile);
  const names = zip.entries.map((e) => e.name);
  zip.close();
  expect(names).toEqual(
    expect.arrayContaining([
      "README.md",
      "_tables/documents.jsonl",
      "videos/documents.jsonl",
      "_storage/documents.jsonl",
      `_storage/${storageId}.mp4`,
      "_components/rateLimiter/rateLimits/documents.jsonl",
    ]),
  );

  target = await spawnBackend({ projectDir: APP_PROJECT });
  const deploymentB = { url: target.cloudUrl, adminKey: adminKeyOf(target) };
  const imported = await runCli(project, ["import", "--replace-all", "--yes", "snap.zip"], deploymentB);
  expect(imported.code, `${imported.stdout}\n${imported.stderr}`).toBe(0);
  expect(imported.stderr).toMatch(/Added \d+ documents/);

  const after = await dump(target);
  for (const [table, docs] of Object.entries(before)) expect(after[table], table).toEqual(docs);
  expect(readFileSync(path.join(target.dataDir, "files", storageId))).toEqual(Buffer.from(BYTES));

  // The link handed out before opens the same video, bytes included.
  const viewer = new ConvexHttpClient(target.cloudUrl);
  const again = await viewer.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-after" });
  if (!again.ok) throw new Error(`grant refused after the move: ${again.reason}`);
  const shown = await viewer.query(api.videos.getByShareGrant, { grantToken: again.grantToken });
  expect(shown?.title).toBe("Moving day");
  const media = await fetch(`${target.siteUrl}/media/${again.grantToken}`);
  expect(media.status).toBe(200);
  expect(Buffer.from(await media.arrayBuffer())).toEqual(Buffer.from(BYTES));

  // Accounts moved too (password hashes): signing in again works, and index queries find the data.
  const signIn = (await viewer.action(api.auth.signIn, {
    provider: "password",
    params: {
      email: "mover@example.com",
      password: "correct-horse-battery",
      flow: "signIn",
      attemptTicket: await attemptTicket(target.siteUrl, "mover@example.com", "signIn"),
    },
  })) as { tokens: { token: string } };
  const moved = new ConvexHttpClient(target.cloudUrl);
  moved.setAuth(signIn.tokens.token);
  expect((await moved.query(api.videos.list, { teamId })).map((v) => v.videoId)).toEqual([videoId]);

  // An admin reaches a component's functions (npx convex run --component); a client does not.
  const args = '{"name":"probe","config":{"kind":"fixed window","rate":1,"period":1000}}';
  const inComponent = await runCli(project, ["run", "--component", "rateLimiter", "lib:getValue", args], deploymentB);
  expect(inComponent.code, inComponent.stderr).toBe(0);
  expect(JSON.parse(inComponent.stdout)).toHaveProperty("value");
  const asClient = await fetch(`${target.cloudUrl}/api/function`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path: "lib:getValue", componentPath: "rateLimiter", args: JSON.parse(args), format: "convex_encoded_json" }),
  });
  expect(asClient.status).toBe(560);

  // Without --replace, an import into tables that hold documents is refused with Convex's advice.
  const refused = await runCli(project, ["import", "--yes", "snap.zip"], deploymentB);
  expect(refused.code).not.toBe(0);
  expect(`${refused.stdout}${refused.stderr}`).toContain("--replace");
}, 180_000);
