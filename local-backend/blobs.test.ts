/** BlobStore: a stored file is flushed before it takes its name (and before the upload is acknowledged); a kill loses no acknowledged upload. */
import { ConvexHttpClient } from "convex/browser";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, expect, test, vi } from "vitest";
import { BlobStore } from "./blobs";
import { FIXTURE_PROJECT, spawnBackend, tempDataDir } from "./testing";

afterEach(() => void vi.restoreAllMocks());

test("adopting a received file syncs its bytes before it renames it", async () => {
  const store = new BlobStore(path.join(tempDataDir("reelgate-blobs-"), "files"));
  await store.init();
  const { temp } = await store.receive(Readable.from([Buffer.from("chunk bytes")]));
  const steps: string[] = [];
  const open = fs.open.bind(fs);
  vi.spyOn(fs, "open").mockImplementation(async (file, flags) => {
    const handle = await open(file, flags);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      steps.push(`sync ${path.basename(String(file))}`);
      await sync();
    };
    return handle;
  });
  const rename = fs.rename.bind(fs);
  vi.spyOn(fs, "rename").mockImplementation(async (from, to) => {
    steps.push("rename");
    await rename(from, to);
  });
  await store.adopt(temp, "abc123");
  expect(steps).toEqual([`sync ${path.basename(temp)}`, "rename"]);
  expect(await fs.readFile(store.pathOf("abc123"), "utf8")).toBe("chunk bytes");
});

test("kill -9 during a burst of uploads loses no acknowledged upload: every one is served byte for byte after a restart", async () => {
  const dataDir = tempDataDir();
  const first = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
  const http = new ConvexHttpClient(first.cloudUrl);
  const acknowledged: Array<{ storageId: string; sha256: string }> = [];
  let stop = false;
  const uploaders = Array.from({ length: 3 }, async () => {
    while (!stop) {
      const bytes = randomBytes(256 * 1024 + Math.floor(Math.random() * 4096));
      try {
        const url = (await http.mutation("messages:generateUploadUrl" as never, {} as never)) as string;
        const res = await fetch(url, { method: "POST", body: bytes, headers: { "Content-Type": "application/octet-stream" } });
        if (res.status !== 200) return;
        const { storageId } = (await res.json()) as { storageId: string };
        acknowledged.push({ storageId, sha256: createHash("sha256").update(bytes).digest("base64") });
      } catch {
        return;
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  await first.kill9();
  stop = true;
  await Promise.all(uploaders);
  expect(acknowledged.length).toBeGreaterThan(3);

  const second = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
  try {
    const client = new ConvexHttpClient(second.cloudUrl);
    for (const { storageId, sha256 } of acknowledged) {
      const { url, meta } = (await client.query("messages:fileUrl" as never, { storageId } as never)) as {
        url: string;
        meta: { sha256: string };
      };
      expect(meta.sha256).toBe(sha256);
      const served = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(createHash("sha256").update(served).digest("base64")).toBe(sha256);
    }
  } finally {
    await second.stop();
  }
});
