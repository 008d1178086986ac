/** A request body that stops sending after the read-ahead is cut after the stall limit, and its action worker is free again. */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

/** This backend cuts a body that sends nothing for 2 s (LOCAL_BACKEND_BODY_STALL_MS; the default is 60 s). */
const BODY_STALL_MS = 2000;
let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { LOCAL_BACKEND_BODY_STALL_MS: String(BODY_STALL_MS) } });
});
afterAll(async () => backend?.stop());

/** A POST to /echo that sends its headers and 70 KiB of a declared 1 MB body, then nothing. */
function stalledPost(): Promise<Socket> {
  const { hostname, port } = new URL(backend.siteUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST /echo HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n`);
      socket.write(Buffer.alloc(70 * 1024, 0x61));
      resolve(socket);
    });
    socket.on("error", reject);
  });
}

test("a stalled body's connection is closed after the stall limit, not when Node's request timeout (300 s) ends it", async () => {
  const socket = await stalledPost();
  const started = Date.now();
  socket.resume();
  const closedAfter = await Promise.race([
    new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - started))),
    new Promise<number>((resolve) => setTimeout(() => resolve(-1), 20_000)),
  ]);
  socket.destroy();
  expect(closedAfter).toBeGreaterThanOrEqual(BODY_STALL_MS - 200);
  expect(closedAfter).toBeLessThan(BODY_STALL_MS + 10_000);
});

test("a body stalled before its first 64 KiB is answered 408 after the stall limit", async () => {
  const { hostname, port } = new URL(backend.siteUrl);
  const answer = await new Promise<string>((resolve, reject) => {
    let text = "";
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST /echo HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: text/plain\r\nContent-Length: 60000\r\n\r\nonly nine`);
    });
    socket.on("data", (chunk) => (text += String(chunk)));
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
    setTimeout(() => socket.destroy(), 20_000);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  expect(answer).toContain("The request body sent nothing for 2 s");
});

test("once stalled bodies are cut, their slots are free: after 4 stalled (one address's cap), a POST that streams runs at once", async () => {
  const stalled = await Promise.all(Array.from({ length: 4 }, stalledPost));
  try {
    await new Promise((resolve) => setTimeout(resolve, BODY_STALL_MS + 1000));
    // A body past the read-ahead needs one of the address's streaming slots, which the stalled ones held until the cut.
    const big = "b".repeat(200 * 1024);
    const res = await fetch(`${backend.siteUrl}/echo`, { method: "POST", body: big, signal: AbortSignal.timeout(10_000) });
    expect(await res.text()).toBe(`${big}\ntotal ${big.length}`);
  } finally {
    stalled.forEach((socket) => socket.destroy());
  }
});
