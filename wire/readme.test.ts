/** The README's curl examples and the OpenAPI document, checked against the running API. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import { appError, ERROR_CODES } from "../convex/lib/errors";
import { REFUSALS } from "../convex/lib/refusals";
import { fromThrown } from "../convex/lib/restErrors";
import { APP_PROJECT, signUp, TINY_MP4, uploadChunkedVideo, uploadReadyVideo, withMp4Head } from "./appTesting";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";

let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT });
}, 60_000);
afterAll(async () => backend?.stop());

function readmeApiExamples(): string {
  const readme = readFileSync(path.join(APP_PROJECT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## HTTP API for scripts"));
  return /```sh\n([\s\S]*?)```/.exec(section)![1];
}

test("the README's curl examples work as written", async () => {
  const { http } = await signUp(backend, "readme@example.com", "R");
  const teamId = await http.mutation(api.teams.create, { name: "Readme" });
  const { videoId } = await uploadReadyVideo(http, teamId, { body: TINY_MP4, title: "Demo", fileName: "demo.mp4" });
  const { key } = await http.mutation(api.apiKeys.create, { teamId, name: "readme", scopes: ["shares:read", "shares:write"] });
  const out = execFileSync("bash", ["-euo", "pipefail", "-c", readmeApiExamples()], {
    env: { ...process.env, SITE: backend.siteUrl, KEY: key, VIDEO: videoId },
    encoding: "utf8",
  });
  const lines = out.trim().split("\n");
  expect(JSON.parse(lines[0])).toMatchObject({ status: "active", allow_download: true, custom_slug: "readme-demo" });
  expect(JSON.parse(lines[1]).data).toHaveLength(1);
  expect(JSON.parse(lines[2])).toMatchObject({ name: "demo.mp4", size: 22, requires_password: false });
  expect(lines[3]).toBe("200");
}, 30_000);

test("the OpenAPI document covers every /api/v1 route and every refusal code", () => {
  const doc = JSON.parse(readFileSync(path.join(APP_PROJECT, "docs", "openapi.json"), "utf8")) as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } };
  };
  const routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops)
      .filter((k) => k !== "parameters")
      .map((m) => `${m.toUpperCase()} ${p}`),
  );
  expect(routes.sort()).toEqual([
    "DELETE /api/v1/shares/{id}",
    "GET /api/v1/public/{tokenOrSlug}",
    "GET /api/v1/public/{tokenOrSlug}/download",
    "GET /api/v1/shares",
    "GET /api/v1/shares/{id}",
    "PATCH /api/v1/shares/{id}",
    "POST /api/v1/grant",
    "POST /api/v1/resolve",
    "POST /api/v1/shares",
  ]);
  const documented = doc.components.schemas.Error.properties.error.properties.code.enum;
  // Every code a refusal answers with (convex/lib/refusals.ts) is documented.
  expect(
    Object.values(REFUSALS)
      .map((r) => r.code)
      .filter((code) => !documented.includes(code)),
  ).toEqual([]);
});

test("every app error code the API may answer with (convex/lib/restErrors.ts) is documented in the OpenAPI document", () => {
  const doc = JSON.parse(readFileSync(path.join(APP_PROJECT, "docs", "openapi.json"), "utf8")) as {
    components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } };
  };
  const documented = doc.components.schemas.Error.properties.error.properties.code.enum;
  const answers = ERROR_CODES.map((code) => {
    const { status, json } = fromThrown(appError(code, "why"));
    return { code, status, apiCode: (json as { error: { code: string } }).error.code };
  });
  expect(answers.filter((a) => !documented.includes(a.apiCode))).toEqual([]);
  expect(answers.find((a) => a.code === "RATE_LIMITED")).toMatchObject({ status: 429, apiCode: "RATE_LIMITED" });
  expect(fromThrown(appError("NOT_FOUND", "gone"), "COLLECTION_NOT_FOUND").json).toEqual({
    error: { code: "COLLECTION_NOT_FOUND", message: "gone" },
  });
});

test("the README's ranged download loop rebuilds a multi-chunk video byte for byte", async () => {
  const { http } = await signUp(backend, "readme-loop@example.com", "L");
  const teamId = await http.mutation(api.teams.create, { name: "Loop" });
  const bytes = withMp4Head(new Uint8Array(3 * 256 * 1024 + 777).map((_, i) => (i * 11 + (i >> 12)) % 256));
  const { videoId } = await uploadChunkedVideo(http, teamId, bytes, { chunkSize: 256 * 1024 });
  const link = await http.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const grant = await http.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "readme-loop" });
  if (!grant.ok) throw new Error(grant.reason);
  const readme = readFileSync(path.join(APP_PROJECT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Media routes"), readme.indexOf("## HTTP API for scripts"));
  const loop = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((block) => block.includes("while"))!;
  const dir = mkdtempSync(path.join(os.tmpdir(), "readme-loop-"));
  try {
    const out = path.join(dir, "video.mp4");
    execFileSync("bash", ["-euo", "pipefail", "-c", loop], {
      cwd: dir,
      env: { ...process.env, SITE: backend.siteUrl, GRANT: grant.grantToken, OUT: out },
    });
    const got = readFileSync(out);
    expect(got.length).toBe(bytes.length);
    expect(Buffer.compare(got, bytes)).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
