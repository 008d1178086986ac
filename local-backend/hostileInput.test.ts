/**
 * Hostile input, hand-picked, over the wire: each malformed request line, frame, body or
 * argument gets a clear error and the server keeps answering; stored files are never active
 * content; upload URLs are single-use and size-limited; HTTP action bodies are capped.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";
import { bodyOf, connectFrame, rawExchange, statusOf, wsExchange } from "./wireTesting";

const MAX_UPLOAD = 100_000;
let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { LOCAL_BACKEND_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) } });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

async function stillServing() {
  expect(backend.process.exitCode).toBeNull();
  expect(await http.query("messages:list" as never, { channel: "alive" } as never)).toEqual([]);
}

const uploadUrl = async () => (await http.mutation("messages:generateUploadUrl" as never, {} as never)) as string;
const post = (url: string, body: BodyInit, type = "application/octet-stream") =>
  fetch(url, { method: "POST", body, headers: { "Content-Type": type } });
/**
 * Streams `total` bytes as a chunked body and resolves with the response's status and body,
 * or with status 0 if the server cut the connection before any response arrived.
 */
function streamBody(
  url: string,
  total: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve) => {
    let sent = 0;
    let settled = false;
    const settle = (status: number, body: string) => {
      if (settled) return;
      settled = true;
      resolve({ status, body, sent });
    };
    const req = request(url, { method: "POST", headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => settle(res.statusCode ?? 0, body));
      res.on("error", () => settle(res.statusCode ?? 0, body));
    });
    // A server that stops reading may reset the connection under a client still writing; a
    // response that arrived first is still reported.
    req.on("error", () => setTimeout(() => settle(0, ""), 200));
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = () => {
      while (sent < total && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

const filesIn = () => readdirSync(path.join(backend.dataDir, "files"));

/** `count` raw connections to the site port, each having sent `bytes(host)` and then nothing more (closed by the caller). */
function stalledPosts(count: number, bytes: (host: string) => Array<string | Buffer>, localAddress?: string): Promise<Socket[]> {
  const { hostname, port } = new URL(backend.siteUrl);
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect({ port: Number(port), host: hostname, localAddress }, () => {
            for (const part of bytes(hostname)) socket.write(part);
            resolve(socket);
          });
          socket.on("error", reject);
        }),
    ),
  );
}

test("a request target that does not parse is a 400 with {code,message} on the cloud port, a 400 on the site port and as an upgrade", async () => {
  const cloud = await rawExchange(backend.cloudUrl, "GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  expect(statusOf(cloud)).toBe(400);
  expect(JSON.parse(bodyOf(cloud))).toEqual({ code: "BadRequest", message: "Malformed request target" });
  expect(statusOf(await rawExchange(backend.siteUrl, "GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))).toBe(400);
  const upgrade = await rawExchange(
    backend.cloudUrl,
    "GET http://[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  expect(statusOf(upgrade)).toBe(400);
  await stillServing();
});

test("clients that send more than the read-ahead and then stall run at most 4 actions per address: other requests still run", async () => {
  // 70 bodies past the 64 KiB read-ahead, each then stalled: before, each took an action worker (8) and a permit (64).
  const stalled = await stalledPosts(70, (host) => [
    `POST /echo HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n`,
    Buffer.alloc(70 * 1024, 0x61),
  ]);
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answers = await Promise.all(Array.from({ length: 3 }, () => fetch(`${backend.siteUrl}/echo`, { method: "POST", body: "hello" })));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200]);
  } finally {
    stalled.forEach((socket) => socket.destroy());
  }
  await stillServing();
});

test("stalled bodies from two addresses (4 actions each) still leave action workers for every other request", async () => {
  const stalledBody = (host: string) => [
    `POST /echo HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n`,
    Buffer.alloc(70 * 1024, 0x61),
  ];
  // 127.0.0.2 is another address of the loopback interface: the server sees a second client.
  const stalled = [...(await stalledPosts(20, stalledBody)), ...(await stalledPosts(20, stalledBody, "127.0.0.2"))];
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(`${backend.siteUrl}/echo`, { method: "POST", body: "hello" })));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 200]);
  } finally {
    stalled.forEach((socket) => socket.destroy());
  }
  await stillServing();
});

test("CONNECT (a proxy tunnel) is a 405 on both ports, said before the socket closes", async () => {
  const cloud = await rawExchange(backend.cloudUrl, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  expect(statusOf(cloud)).toBe(405);
  expect(JSON.parse(bodyOf(cloud))).toMatchObject({ code: "MethodNotAllowed" });
  expect(statusOf(await rawExchange(backend.siteUrl, "CONNECT /echo HTTP/1.1\r\nHost: x\r\n\r\n"))).toBe(405);
  await stillServing();
});

test("bytes the HTTP parser refuses get a JSON 400 on the cloud port and a 431 for oversized headers", async () => {
  const garbage = await rawExchange(backend.cloudUrl, "\x00\xff NOT HTTP\r\n\r\n");
  expect(statusOf(garbage)).toBe(400);
  expect(JSON.parse(bodyOf(garbage))).toMatchObject({ code: "BadRequest" });
  expect(statusOf(await rawExchange(backend.siteUrl, "GET / HTTP/1.1\r\nContent-Length: nope\r\n\r\n"))).toBe(400);
  expect(statusOf(await rawExchange(backend.cloudUrl, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`))).toBe(431);
  await stillServing();
});

test("malformed function API bodies are 400s that say what is wrong", async () => {
  const call = async (body: string) => {
    const res = await fetch(`${backend.cloudUrl}/api/query`, { method: "POST", body, headers: { "Content-Type": "application/json" } });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string; errorMessage?: string } };
  };
  for (const body of [
    "null",
    "[]",
    '"x"',
    "{",
    '{"path":7}',
    '{"path":"messages:list","args":"x"}',
    '{"path":"messages:list","args":[{},{}]}',
    '{"path":"messages:list","componentPath":1}',
  ]) {
    const answer = await call(body);
    expect(answer.status, body).toBe(400);
    expect(answer.body.code, body).toMatch(/^Bad/);
    expect(answer.body.message, body).toBeTruthy();
  }
  expect((await call('{"path":"messages:list","args":{"channel":"c","__proto__":{"x":1}}}')).body.message).toContain("__proto__");
  expect((await call('{"path":"messages:list","args":{"$bad":1}}')).body.message).toContain("$bad");
  const deep = `{"path":"messages:list","args":{"a":${"[".repeat(20_000)}${"]".repeat(20_000)}}}`;
  expect((await call(deep)).status).toBe(400);
  // Extra fields named after Object.prototype members are not "known" fields.
  for (const field of ["constructor", "toString", "hasOwnProperty"]) {
    const answer = await call(JSON.stringify({ path: "messages:list", args: { channel: "c", [field]: "x" } }));
    expect(answer.status).toBe(560);
    expect(answer.body.errorMessage).toContain(`args.${field} is not allowed`);
  }
  const badStorage = await fetch(`${backend.cloudUrl}/api/storage/..%2F..%2Fdb.sqlite3`);
  expect(badStorage.status).toBe(400);
  expect(((await badStorage.json()) as { code: string }).code).toBe("InvalidStoragePath");
  await stillServing();
});

test("malformed WebSocket frames get a FatalError and a closed socket; well-formed ones still work", async () => {
  const fatal = async (frame: string | Buffer) => {
    const reply = await wsExchange(backend.cloudUrl, [connectFrame(), frame]);
    expect(
      reply.messages.find((m) => m.type === "FatalError"),
      String(frame).slice(0, 80),
    ).toBeTruthy();
    expect(reply.closeCode, String(frame).slice(0, 80)).toBe(1002);
  };
  for (const frame of [
    "null",
    "[]",
    "42",
    "{not json",
    '{"type":null}',
    '{"type":"Nope"}',
    '{"type":"__proto__"}',
    '{"type":"Connect","sessionId":5}',
    '{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":null}',
    '{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[null]}',
    '{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":-1,"udfPath":"messages:list","args":[{}]}]}',
    '{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:list","args":[{"__proto__":{}}]}]}',
    '{"type":"Authenticate","tokenType":"User","baseVersion":0}',
    '{"type":"Authenticate","tokenType":"Other","baseVersion":0,"value":"x"}',
    '{"type":"Mutation","requestId":"0","udfPath":"messages:send","args":[{}]}',
    '{"type":"Mutation","requestId":0.5,"udfPath":"messages:send","args":[{}]}',
    '{"type":"Mutation","requestId":0,"udfPath":"messages:send","args":"x"}',
    '{"type":"Action","requestId":0,"udfPath":["x"],"args":[]}',
    '{"type":"Event","eventType":null}',
  ]) {
    await fatal(frame);
  }
  const honest = await wsExchange(backend.cloudUrl, [
    connectFrame(),
    JSON.stringify({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "messages:list", args: [{ channel: "ws" }] }],
    }),
  ]);
  expect(honest.messages.find((m) => m.type === "Transition")).toBeTruthy();
  await stillServing();
});

test("an exception outside any request (a timer) or an unhandled rejection is logged and the backend keeps serving", async () => {
  expect(await http.action("runtime:strayFailures" as never, {} as never)).toBe("ok");
  await expect.poll(backend.output).toContain("stray rejection");
  await expect.poll(backend.output).toContain("stray exception from a timer");
  expect(backend.output()).toContain("Unexpected error (still serving)");
  await stillServing();
});

test("stored files, whatever type they were uploaded as, are served nosniff and sandboxed on both ports", async () => {
  for (const type of ["text/html", "video/mp4,text/html", "image/svg+xml"]) {
    const res = await post(await uploadUrl(), "<script>alert(document.domain)</script>", type);
    const { storageId } = (await res.json()) as { storageId: string };
    const { url } = (await http.query("messages:fileUrl" as never, { storageId } as never)) as { url: string };
    for (const served of [await fetch(url), await fetch(`${backend.siteUrl}/file?id=${storageId}`)]) {
      expect(served.status).toBe(200);
      expect(served.headers.get("x-content-type-options")).toBe("nosniff");
      expect(served.headers.get("content-security-policy")).toBe("sandbox");
      await served.arrayBuffer();
    }
    const ranged = await fetch(url, { headers: { Range: "bytes=0-3" } });
    expect(ranged.headers.get("content-security-policy")).toBe("sandbox");
    await ranged.arrayBuffer();
  }
});

test("an upload URL works once", async () => {
  const url = await uploadUrl();
  expect((await post(url, "first")).status).toBe(200);
  const again = await post(url, "second");
  expect(again.status).toBe(401);
  expect(((await again.json()) as { message: string }).message).toContain("already used");
});

test("an upload declared larger than the limit is refused before it is read; one that streams past it is cut off; nothing is left on disk", async () => {
  const before = filesIn().sort();
  // Declared too large: the answer comes before a single body byte is sent.
  const { hostname, port, pathname, search } = new URL(await uploadUrl());
  const declared = await rawExchange(
    `http://${hostname}:${port}`,
    `POST ${pathname}${search} HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_UPLOAD + 1}\r\n\r\n`,
  );
  expect(statusOf(declared)).toBe(413);
  expect(JSON.parse(bodyOf(declared))).toMatchObject({ code: "TooLarge" });

  // Chunked, no length: the server stops at the limit and answers 413 while the client is still sending.
  const streamed = await streamBody(await uploadUrl(), MAX_UPLOAD * 200, { "Content-Type": "video/mp4" });
  expect(streamed.status).toBe(413);
  expect(streamed.body).toContain("upload limit");
  await expect.poll(() => filesIn().sort()).toEqual(before);
  expect((await post(await uploadUrl(), Buffer.alloc(MAX_UPLOAD, 2))).status).toBe(200);
});

test("HTTP action bodies: a declared size over Convex's 20 MiB is refused unread, a streamed one is cut off at the limit", async () => {
  const declared = await rawExchange(backend.siteUrl, `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${21 * 1024 * 1024}\r\n\r\n`);
  expect(statusOf(declared)).toBe(413);
  expect(bodyOf(declared)).toBe("HttpRequestTooLarge: HTTP actions support requests up to 20 MiB");

  // An action that reads the whole body: it never sees more than the limit, and the answer is a 413.
  const streamed = await streamBody(`${backend.siteUrl}/size`, 40 * 1024 * 1024);
  expect(streamed.status).toBe(413);
  expect(streamed.body).toBe("HttpRequestTooLarge: HTTP actions support requests up to 20 MiB");
  // An action streaming its answer as it reads: the response is cut off at the limit.
  const echoed = await streamBody(`${backend.siteUrl}/echo`, 40 * 1024 * 1024);
  expect(echoed.body).not.toContain("total");
  expect(echoed.body.length).toBeLessThanOrEqual(20 * 1024 * 1024);
  expect(await (await fetch(`${backend.siteUrl}/size`, { method: "POST", body: Buffer.alloc(20 * 1024 * 1024) })).text()).toBe(
    String(20 * 1024 * 1024),
  );
  const small = await fetch(`${backend.siteUrl}/echo`, { method: "POST", body: "hello" });
  expect(await small.text()).toBe("hello\ntotal 5");
});

test("clients that declare an HTTP action body and then send nothing hold no action permit: everyone else's actions still run", async () => {
  // More idle bodies than Convex's 64 concurrent actions; each waited for a permit once it had one.
  const idle = await stalledPosts(70, (host) => [
    `POST /echo HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nx`,
  ]);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answers = await Promise.all(Array.from({ length: 3 }, () => fetch(`${backend.siteUrl}/echo`, { method: "POST", body: "hello" })));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200]);
    expect(await answers[0].text()).toBe("hello\ntotal 5");
    // A body larger than what is read ahead still streams into the action whole.
    const big = "y".repeat(300 * 1024 + 7);
    const streamed = await fetch(`${backend.siteUrl}/echo`, { method: "POST", body: big });
    expect((await streamed.text()).endsWith(`\ntotal ${big.length}`)).toBe(true);
  } finally {
    idle.forEach((socket) => socket.destroy());
  }
  await stillServing();
});

test("on startup, partial uploads and files without a _storage row are removed; stored files stay", async () => {
  const res = await post(await uploadUrl(), "kept");
  const { storageId } = (await res.json()) as { storageId: string };
  await backend.stop();
  const files = path.join(backend.dataDir, "files");
  writeFileSync(path.join(files, ".upload-0123456789abcdef"), "partial");
  writeFileSync(path.join(files, storageId.slice(0, 26) + "zzz"), "no row");
  writeFileSync(path.join(files, "stray"), "no row");
  backend = await spawnBackend({
    projectDir: FIXTURE_PROJECT,
    dataDir: backend.dataDir,
    env: { LOCAL_BACKEND_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) },
  });
  http = new ConvexHttpClient(backend.cloudUrl);
  const left = readdirSync(files);
  expect(left).toContain(storageId);
  for (const leftover of [".upload-0123456789abcdef", storageId.slice(0, 26) + "zzz", "stray"]) expect(left).not.toContain(leftover);
  expect(backend.output()).toContain("Removed 3 file(s)");
  const { url } = (await http.query("messages:fileUrl" as never, { storageId } as never)) as { url: string };
  expect(await (await fetch(url)).text()).toBe("kept");
});
