/** sendFileRange: exact bytes across read boundaries, failures end the response, deleted files are never served. */
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  forgetFile,
  makeInert,
  noteSyncRead,
  POOL_READS_MS,
  readMode,
  readStateOf,
  sendFileRange,
  SLOW_READ_MS,
  SPARE_BUFFERS,
  spareBuffers,
} from "./fileSender";
import { tempDataDir } from "./testing";

const dir = tempDataDir("reelgate-sender-");
const file = path.join(dir, "clip");
const content = randomBytes(3 * 1024 * 1024 + 12345);
let server: Server;
let base = "";

beforeAll(async () => {
  writeFileSync(file, content);
  server = createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    const [start, end] = [Number(url.searchParams.get("start")), Number(url.searchParams.get("end"))];
    res.writeHead(200, { "Content-Length": String(end - start) });
    void sendFileRange(res, path.join(dir, url.searchParams.get("name")!), start, end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (name: string, start: number, end: number) =>
  fetch(`${base}/?name=${name}&start=${start}&end=${end}`).then(async (r) => Buffer.from(await r.arrayBuffer()));

test("any range comes back byte for byte, including ranges crossing the first-read and chunk boundaries", async () => {
  const ranges: Array<[number, number]> = [
    [0, content.length],
    [0, 1],
    [65_535, 65_537],
    [10, 64 * 1024 + 1024 * 1024 + 7],
    [1024 * 1024 - 3, 2 * 1024 * 1024 + 3],
    [content.length - 5, content.length],
  ];
  const bodies = await Promise.all(ranges.map(([s, e]) => get("clip", s, e)));
  bodies.forEach((body, i) => expect(body.equals(content.subarray(...ranges[i]))).toBe(true));
});

test("a missing file ends the response with an error instead of hanging, and the server keeps serving", async () => {
  await expect(get("nope", 0, 10)).rejects.toThrow();
  expect((await get("clip", 0, 4)).equals(content.subarray(0, 4))).toBe(true);
});

test("a client that goes away mid-stream leaves the server healthy", async () => {
  const aborted = new AbortController();
  const res = await fetch(`${base}/?name=clip&start=0&end=${content.length}`, { signal: aborted.signal });
  const reader = res.body!.getReader();
  await reader.read();
  aborted.abort();
  expect((await get("clip", 100, 200)).equals(content.subarray(100, 200))).toBe(true);
});

test("a deleted file is never served from a cached descriptor", async () => {
  const doomed = path.join(dir, "doomed");
  writeFileSync(doomed, Buffer.from("secret bytes"));
  expect(String(await get("doomed", 0, 12))).toBe("secret bytes"); // its descriptor is now cached
  forgetFile(doomed);
  rmSync(doomed);
  await expect(get("doomed", 0, 12)).rejects.toThrow();
});

test("a stored-file blob opens nothing until it is read: the site server streams the range itself", async () => {
  const { FileBlob, fileRangeOf } = await import("./fileBlob");
  const missing = path.join(dir, "not-there");
  const body = new Response(new FileBlob(missing, 0, 10, "video/mp4").slice(2, 8)).body;
  expect(fileRangeOf(body)).toEqual({ path: missing, start: 2, end: 8 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Had the stream read ahead, opening the missing file would have errored it already.
  await expect(body!.cancel()).resolves.toBeUndefined();
  const readable = new Response(new FileBlob(file, 0, content.length).slice(5, 9)).body!;
  expect(Buffer.from(await new Response(readable).arrayBuffer()).equals(content.subarray(5, 9))).toBe(true);
});

test("makeInert: nosniff once, a sandbox added to the app's own policy or set alone", () => {
  const alone: Record<string, string | string[]> = { "x-content-type-options": "nosniff" };
  makeInert(alone);
  expect(alone).toEqual({ "x-content-type-options": "nosniff", "content-security-policy": "sandbox" });
  const withPolicy: Record<string, string | string[]> = { "content-security-policy": "default-src 'none'" };
  makeInert(withPolicy);
  expect(withPolicy["content-security-policy"]).toBe("default-src 'none'; sandbox");
  const sandboxed: Record<string, string | string[]> = { "content-security-policy": "sandbox allow-downloads" };
  makeInert(sandboxed);
  expect(sandboxed["content-security-policy"]).toBe("sandbox allow-downloads");
});

test("after a burst of concurrent responses only a few buffers are kept (two per response while it streams)", async () => {
  const bodies = await Promise.all(Array.from({ length: 24 }, (_, i) => get("clip", i * 1000, i * 1000 + 2 * 1024 * 1024)));
  bodies.forEach((body, i) => expect(body.equals(content.subarray(i * 1000, i * 1000 + 2 * 1024 * 1024))).toBe(true));
  // 48 buffers were in use at the peak; what stays is bounded.
  expect(spareBuffers()).toBeGreaterThan(0);
  expect(spareBuffers()).toBeLessThanOrEqual(SPARE_BUFFERS);
});

test("reads stay on the event loop while they are quick; one slow read sends the file's reads to the pool for a while", () => {
  const state = { poolUntil: 0 };
  expect(readMode(state, 1000)).toBe("sync");
  noteSyncRead(state, SLOW_READ_MS / 2, 1000);
  expect(readMode(state, 1001)).toBe("sync");
  noteSyncRead(state, SLOW_READ_MS + 1, 2000);
  expect(readMode(state, 2001)).toBe("pool");
  expect(readMode(state, 2000 + POOL_READS_MS - 1)).toBe("pool");
  expect(readMode(state, 2000 + POOL_READS_MS)).toBe("sync");
});

test("a file whose reads went to the pool is served byte for byte, as one read on the event loop", async () => {
  const name = "pooled";
  const bytes = randomBytes(2 * 1024 * 1024 + 777);
  writeFileSync(path.join(dir, name), bytes);
  expect((await get(name, 0, 10)).equals(bytes.subarray(0, 10))).toBe(true); // its descriptor is cached
  const state = readStateOf(path.join(dir, name))!;
  state.poolUntil = Date.now() + 60_000;
  expect((await get(name, 5, bytes.length)).equals(bytes.subarray(5))).toBe(true);
  state.poolUntil = 0;
  expect((await get(name, 3, bytes.length - 3)).equals(bytes.subarray(3, bytes.length - 3))).toBe(true);
});
