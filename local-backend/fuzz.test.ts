/**
 * Fuzz: thousands of random and hand-picked inputs at both ports — raw request lines and
 * headers over TCP, bodies and paths over HTTP, every WebSocket message type with malformed
 * fields, raw WebSocket frames — then the server must still be running, must not have hit its
 * last-resort exception handler once, and must answer an honest query on every transport.
 * Seeded, so a failure replays.
 */
import { connect } from "node:net";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import WebSocket from "ws";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";
import { connectFrame, rawExchange, wsExchange } from "./wireTesting";
import { seededNumbers } from "./seededNumbers";

let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
});
afterAll(async () => backend?.stop());

const random = seededNumbers(Number(process.env.FUZZ_SEED ?? 20240917));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (n: number) => Math.floor(random() * n);
const randomText = (n: number, alphabet = "abc/:?#[]%@!$&'()*+,;=.~-_0123456789\u00e9\u4e2d\ud83d\ude00\ud800\u0000\r\n ") =>
  Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join("");

/** Values that break naive code: wrong types, huge, unicode, lone surrogates, prototype keys, Convex JSON gone wrong. */
const nasty: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -0,
  "",
  "x".repeat(70_000),
  "\u0000",
  "\ud800",
  "\u202e",
  "💥".repeat(1000),
  [],
  [null],
  [[[[[[]]]]]],
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
  { toString: 1 },
  { hasOwnProperty: "x" },
  { valueOf: null },
  { $integer: "AAAA" },
  { $integer: "not base64" },
  { $bytes: 5 },
  { $bad: 1 },
  { "": 1 },
  { "a.b": 1 },
  Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])),
];
const nastyValue = () => (random() < 0.3 ? randomText(int(40)) : pick(nasty));

const functionPaths = [
  "messages:list",
  "messages:send",
  "messages:fileUrl",
  "runtime:environment",
  "messages",
  ":",
  "",
  "__proto__",
  "constructor:constructor",
  "messages:__proto__",
  "../../etc:passwd",
  "lib:clearAll",
  "x".repeat(5000),
  "messages:list.js",
  "_system/x:y",
];
const componentPaths = [undefined, "", "rateLimiter", "nope", "a/b/c", "__proto__", null, 5, "../"];

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((item) => run(item).catch(() => undefined)));
}

const METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE", "get", "G\u00c9T", "", "POST POST", "PRI"];
const TARGETS = [
  "/",
  "*",
  "http://[",
  "http://[::1",
  "//",
  "/api/query",
  "/api/storage/upload?token=",
  "/api/storage/%ZZ",
  "/api/storage/..%2f..",
  "/api/1.0/sync",
  "/echo",
  "/file?id=",
  "/file?id=%00",
  "/%",
  "/\u00ff",
  "/?" + "a=".repeat(3000),
  "http://x/api/mutation",
  "/api/version",
];
const HEADERS = [
  "Host: x",
  "Content-Length: -1",
  "Content-Length: 1e9",
  "Content-Length: 5\r\nContent-Length: 6",
  "Transfer-Encoding: chunked",
  "Transfer-Encoding: gzip, chunked",
  "Authorization: Bearer ",
  "Authorization: Bearer a.b.c",
  "Range: bytes=9-1",
  "Range: bytes=-0",
  "If-None-Match: *",
  "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x",
  "Content-Type: application/json",
  "X: \u0000",
  "Bad Header",
  ": empty",
  "Expect: 100-continue",
];

function randomRequest(): string {
  const line =
    random() < 0.1
      ? randomText(int(200))
      : `${pick(METHODS)} ${random() < 0.3 ? pick(TARGETS) + randomText(int(30)) : pick(TARGETS)} ${pick(["HTTP/1.1", "HTTP/1.0", "HTTP/9.9", "", "HTTP/1.1 extra"])}`;
  const headers = Array.from({ length: int(5) }, () => pick(HEADERS));
  const body =
    random() < 0.5
      ? JSON.stringify({ path: pick(functionPaths), args: nastyValue(), componentPath: pick(componentPaths) })
      : randomText(int(100));
  return `${line}\r\n${headers.join("\r\n")}${headers.length ? "\r\n" : ""}\r\n${body}`;
}

const HANDPICKED_REQUESTS = [
  "GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n",
  "GET http://[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  "GET /api/1.0/sync HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n",
  "POST /api/query HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nnull",
  "POST /api/mutation HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  "POST /api/storage/upload?token=1.2.3 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx",
  "CONNECT /echo HTTP/1.1\r\nHost: x\r\n\r\n",
  "TRACE /echo HTTP/1.1\r\nHost: x\r\n\r\n",
  `GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003", // a TLS ClientHello's first bytes
  "\r\n\r\n\r\n",
];

test("both ports survive thousands of hostile inputs and still answer honest requests", async () => {
  const started = Date.now();
  let sent = 0;

  // 1. Raw TCP: request lines, headers, bodies as bytes.
  const raw = [...HANDPICKED_REQUESTS, ...Array.from({ length: 1200 }, randomRequest)];
  await inBatches(
    raw.flatMap((bytes) => [backend.cloudUrl, backend.siteUrl].map((url) => ({ url, bytes }))),
    64,
    ({ url, bytes }) => {
      sent++;
      return rawExchange(url, Buffer.from(bytes, random() < 0.5 ? "utf8" : "latin1"), 300);
    },
  );

  // 2. HTTP: every API route and the site's routes with random bodies, paths and methods.
  const httpCalls = Array.from({ length: 1200 }, () => {
    const onSite = random() < 0.3;
    const route = onSite
      ? pick(["/echo", "/file", "/size", "/nope", "/" + randomText(10)])
      : pick([
          "/api/query",
          "/api/mutation",
          "/api/action",
          "/api/function",
          "/api/storage/upload",
          "/api/storage/" + randomText(10),
          "/version",
        ]);
    const body =
      random() < 0.8
        ? JSON.stringify({
            path: pick(functionPaths),
            args: random() < 0.5 ? [nastyValue()] : nastyValue(),
            componentPath: pick(componentPaths),
            format: pick(["json", 5, undefined]),
          })
        : randomText(int(500));
    return {
      url: (onSite ? backend.siteUrl : backend.cloudUrl) + route.replace(/[\r\n\u0000]/g, ""),
      body,
      method: pick(["POST", "GET", "PUT", "DELETE", "PATCH"]),
    };
  });
  await inBatches(httpCalls, 32, async ({ url, body, method }) => {
    sent++;
    const res = await fetch(url, { method, body: method === "GET" ? undefined : body, headers: { "Content-Type": "application/json" } });
    await res.arrayBuffer();
  });

  // 3. WebSocket: every message type with malformed fields, after a Connect or instead of one.
  const base: Record<string, Record<string, unknown>> = {
    Connect: { type: "Connect", sessionId: "s", connectionCount: 0, lastCloseReason: null, clientTs: 0 },
    ModifyQuerySet: {
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "messages:list", args: [{ channel: "f" }] }],
    },
    Authenticate: { type: "Authenticate", tokenType: "User", value: "a.b.c", baseVersion: 0 },
    Mutation: { type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ channel: "f", body: "b" }] },
    Action: { type: "Action", requestId: 0, udfPath: "messages:countViaAction", args: [{ channel: "f" }] },
    Event: { type: "Event", eventType: "x", event: {} },
  };
  const mutate = (message: Record<string, unknown>): unknown => {
    const copy: Record<string, unknown> = { ...message };
    const keys = Object.keys(copy);
    for (let n = 1 + int(3); n > 0; n--) {
      const roll = random();
      if (roll < 0.5) copy[pick(keys)] = nastyValue();
      else if (roll < 0.65) delete copy[pick(keys.filter((k) => k !== "type"))];
      else if (roll < 0.75) copy[pick(["__proto__", "constructor", "componentPath", "journal", "impersonating"])] = nastyValue();
      else if (roll < 0.9 && Array.isArray(copy.modifications))
        copy.modifications = [
          { ...(copy.modifications[0] as object), [pick(["queryId", "udfPath", "args", "type", "componentPath"])]: nastyValue() },
        ];
      else copy.type = pick([...Object.keys(base), "Remove", "add", "__proto__", "toString", null, 7]);
    }
    return copy;
  };
  const wsCases: Array<Array<string | Buffer>> = [
    ["null"],
    ["[]"],
    ['"Connect"'],
    ["{}"],
    ['{"type":"Connect"}'],
    [Buffer.from([0xff, 0xfe, 0x00])],
    [connectFrame(), JSON.stringify({ ...base.ModifyQuerySet, baseVersion: 5 })],
    [connectFrame(), JSON.stringify({ ...base.Authenticate, baseVersion: 9 })],
    [
      connectFrame(),
      JSON.stringify({ type: "Authenticate", tokenType: "Admin", value: "x", baseVersion: 0, impersonating: { __proto__: 1 } }),
    ],
    ...Array.from({ length: 700 }, () => {
      const type = pick(Object.keys(base));
      const frames: Array<string | Buffer> = random() < 0.7 ? [connectFrame()] : [];
      for (let n = 1 + int(3); n > 0; n--) frames.push(random() < 0.08 ? randomText(int(60)) : JSON.stringify(mutate(base[type])));
      return frames;
    }),
  ];
  await inBatches(wsCases, 24, (frames) => {
    sent += frames.length;
    return wsExchange(backend.cloudUrl, frames, 60);
  });

  // 4. Raw WebSocket frames after a good handshake: bad opcodes, reserved bits, unmasked, lying lengths, invalid UTF-8.
  const frames = [
    Buffer.from([0x81, 0x03, 0x61, 0x62, 0x63]), // unmasked client frame
    Buffer.from([0xf1, 0x80, 0, 0, 0, 0]), // reserved bits set
    Buffer.from([0x83, 0x80, 0, 0, 0, 0]), // reserved opcode
    Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]), // 2^63-byte length
    Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0xff ^ 1, 0xfe ^ 2]), // invalid UTF-8 text
    Buffer.from([0x88, 0x81, 1, 2, 3, 4, 5]), // close frame with a 1-byte payload
    Buffer.from([0x09, 0x80, 1, 2, 3, 4]), // fragmented ping
    ...Array.from({ length: 100 }, () => Buffer.from(Array.from({ length: 2 + int(30) }, () => int(256)))),
  ];
  const { hostname, port } = new URL(backend.cloudUrl);
  await inBatches(frames, 16, (frame) => {
    sent++;
    return new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname);
      const done = () => (clearTimeout(timer), socket.destroy(), resolve());
      const timer = setTimeout(done, 300);
      socket.on("error", done);
      socket.on("close", done);
      socket.on("data", (data) => {
        if (String(data).startsWith("HTTP/1.1 101")) socket.write(frame);
      });
      socket.write(
        "GET /api/1.0/sync HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
  });

  const elapsed = Date.now() - started;
  console.log(`fuzz: ${sent} inputs in ${elapsed} ms`);
  expect(sent).toBeGreaterThan(5000);

  // The server is up, never needed its last-resort handler, and answers honestly on every transport.
  expect(backend.process.exitCode).toBeNull();
  expect(backend.output()).not.toContain("Unexpected error");
  expect(backend.output()).not.toContain("Unexpected rejection");
  const http = new ConvexHttpClient(backend.cloudUrl);
  await http.mutation("messages:send" as never, { channel: "after-fuzz", body: "still here" } as never);
  expect(
    ((await http.query("messages:list" as never, { channel: "after-fuzz" } as never)) as Array<{ body: string }>).map((m) => m.body),
  ).toEqual(["still here"]);
  const client = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
  try {
    expect(((await client.query("messages:list" as never, { channel: "after-fuzz" } as never)) as unknown[]).length).toBe(1);
  } finally {
    await client.close();
  }
  expect(await (await fetch(`${backend.siteUrl}/echo`, { method: "POST", body: "ok" })).text()).toBe("ok\ntotal 2");
  // Nothing leaked into Object.prototype of the server's functions either.
  expect(JSON.stringify(await http.query("runtime:environment" as never, {} as never))).not.toContain("polluted");
}, 60_000);
