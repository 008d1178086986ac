import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

async function upload(bytes: Uint8Array, type: string) {
  const url = (await http.mutation("messages:generateUploadUrl" as never, {} as never)) as string;
  const res = await fetch(url, { method: "POST", body: bytes as BodyInit, headers: { "Content-Type": type } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { storageId: string }).storageId;
}

test("upload → _storage row → storage URL with Range, ETag and If-None-Match", async () => {
  const bytes = new Uint8Array(1000).map((_, i) => i % 251);
  const storageId = await upload(bytes, "video/mp4");
  const { url, meta } = (await http.query("messages:fileUrl" as never, { storageId } as never)) as {
    url: string;
    meta: { size: number; contentType: string; sha256: string };
  };
  expect(meta).toMatchObject({ size: 1000, contentType: "video/mp4" });

  const full = await fetch(url);
  expect(full.status).toBe(200);
  expect(full.headers.get("accept-ranges")).toBe("bytes");
  expect(new Uint8Array(await full.arrayBuffer())).toEqual(bytes);
  const etag = full.headers.get("etag")!;
  expect(etag).toMatch(/^"[0-9a-f]{64}"$/);

  const part = await fetch(url, { headers: { Range: "bytes=10-19" } });
  expect(part.status).toBe(206);
  expect(part.headers.get("content-range")).toBe("bytes 10-19/1000");
  expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(10, 20));

  const suffix = await fetch(url, { headers: { Range: "bytes=-5" } });
  expect(suffix.status).toBe(206);
  expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.slice(995));

  const bad = await fetch(url, { headers: { Range: "bytes=5000-" } });
  expect(bad.status).toBe(416);
  expect(bad.headers.get("content-range")).toBe("bytes */1000");

  const cached = await fetch(url, { headers: { "If-None-Match": etag } });
  expect(cached.status).toBe(304);

  const staleIfRange = await fetch(url, { headers: { Range: "bytes=0-9", "If-Range": '"different"' } });
  expect(staleIfRange.status).toBe(200);

  const head = await fetch(url, { method: "HEAD" });
  expect(head.headers.get("content-length")).toBe("1000");
  expect((await head.arrayBuffer()).byteLength).toBe(0);
});

test("an upload URL with a forged token is refused", async () => {
  const res = await fetch(`${backend.cloudUrl}/api/storage/upload?token=123.abc`, { method: "POST", body: "x" });
  expect(res.status).toBe(401);
});

test("HTTP actions stream request and response bodies", async () => {
  const chunks = ["alpha-", "beta-", "gamma"];
  const body = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  const res = await fetch(`${backend.siteUrl}/echo`, { method: "POST", body, duplex: "half" } as RequestInit);
  expect(res.status).toBe(200);
  expect(res.headers.get("x-echo")).toBe("1");
  expect(await res.text()).toBe("alpha-beta-gamma\ntotal 16");
  expect((await fetch(`${backend.siteUrl}/nope`)).status).toBe(404);
});

test("upload Digest (crates/file_storage/src/core.rs upload_file): a matching sha-256 is accepted, a mismatch is 400 Sha256Mismatch, a malformed one 400 BadHeader", async () => {
  const bytes = new TextEncoder().encode("digest me");
  const actual = Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("base64");
  const post = async (digest: string) => {
    const url = (await http.mutation("messages:generateUploadUrl" as never, {} as never)) as string;
    const res = await fetch(url, { method: "POST", body: bytes, headers: { "Content-Type": "text/plain", Digest: digest } });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const ok = await post(`sha-256=${actual}`);
  expect(ok.status).toBe(200);
  const { meta } = (await http.query("messages:fileUrl" as never, { storageId: ok.body.storageId } as never)) as { meta: { size: number } };
  expect(meta.size).toBe(bytes.length);

  const wrong = Buffer.alloc(32, 7).toString("base64");
  expect(await post(`sha-256=${wrong}`)).toEqual({
    status: 400,
    body: { code: "Sha256Mismatch", message: `Sha256 mismatch. Expected: ${wrong} Actual: ${actual}` },
  });
  const badHeader = { status: 400, body: { code: "BadHeader", message: "Bad header for digest: invalid HTTP header parsed" } };
  expect(await post(`md5=${actual}`)).toEqual(badHeader);
  expect(await post("sha-256=AAAA")).toEqual(badHeader);
});
