/**
 * An upload POST has Convex's 2 minute timeout (docs/file-storage/upload-files.mdx): one still
 * coming in when its time is up is refused with a 408 that says why, and nothing of it is stored.
 */
import { readdirSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

/** This backend's uploads time out after 1.5 s (LOCAL_BACKEND_UPLOAD_TIMEOUT_MS) instead of 120 s. */
const TIMEOUT_MS = 1500;
let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { LOCAL_BACKEND_UPLOAD_TIMEOUT_MS: String(TIMEOUT_MS) } });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

const uploadUrl = async () => (await http.mutation("messages:generateUploadUrl" as never, {} as never)) as string;
const stored = () => readdirSync(path.join(backend.dataDir, "files")).filter((name) => !name.startsWith("."));
const partial = () => readdirSync(path.join(backend.dataDir, "files")).filter((name) => name.startsWith(".upload-"));

/** POSTs 4 KiB every `everyMs` until the response comes; resolves with its status and body. */
function trickle(url: string, everyMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "Content-Type": "video/mp4" } }, (res) => {
      clearInterval(timer);
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    const timer = setInterval(() => req.write(Buffer.alloc(4096, 7)), everyMs);
  });
}

test("an upload still coming in after the timeout is a 408 saying so; its partial file is removed and the URL stays spent", async () => {
  const before = stored();
  const url = await uploadUrl();
  const started = Date.now();
  const answer = await trickle(url, 100);
  expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  expect(answer.status).toBe(408);
  expect(JSON.parse(answer.body)).toEqual({
    code: "UploadTimedOut",
    message: "The upload took longer than 1.5 s: an upload POST has a 2 minute timeout on Convex. Upload large files in parts.",
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(stored()).toEqual(before);
  expect(partial()).toEqual([]);
  expect((await fetch(url, { method: "POST", body: "again" })).status).toBe(401);
});

test("an upload that ends within the timeout is stored", async () => {
  const res = await fetch(await uploadUrl(), {
    method: "POST",
    body: Buffer.alloc(256 * 1024, 1),
    headers: { "Content-Type": "video/mp4" },
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ storageId: expect.any(String) });
});
