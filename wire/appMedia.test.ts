/** /media/<grant>[/download] over real HTTP against the embedded backend: every status and header. */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { APP_PROJECT, signUp, uploadReadyVideo, withMp4Head } from "./appTesting";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";

let backend: RunningBackend;
let member: ConvexHttpClient;
let videoId: Id<"videos">;
const BYTES = withMp4Head(new Uint8Array(300_000).map((_, i) => (i * 7) % 256));

beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT, testClock: true });
  member = (await signUp(backend, "media@example.com", "Mia")).http;
  const teamId = await member.mutation(api.teams.create, { name: "Media" });
  ({ videoId } = await uploadReadyVideo(member, teamId, { body: BYTES as BodyInit, title: "Ünïcode", fileName: "Café déjà vu.mp4" }));
}, 60_000);
afterAll(async () => backend?.stop());

async function grantFor(opts: { allowDownload?: boolean; password?: string; expiresInDays?: number } = {}) {
  const link = await member.mutation(api.shareLinks.create, { videoId, ...opts });
  const anon = new ConvexHttpClient(backend.cloudUrl);
  const grant = await anon.mutation(api.shareLinks.issueAccessGrant, {
    token: link.token,
    password: opts.password,
    viewerId: "media-viewer",
  });
  if (!grant.ok) throw new Error(grant.reason);
  return { link, grantToken: grant.grantToken, media: `${backend.siteUrl}/media/${grant.grantToken}` };
}

test("200 with the private headers, 206 ranges, 416, 304, If-Range, HEAD without body", async () => {
  const { media } = await grantFor();
  const full = await fetch(media);
  expect(full.status).toBe(200);
  expect(new Uint8Array(await full.arrayBuffer())).toEqual(BYTES);
  expect(
    Object.fromEntries(
      ["content-type", "accept-ranges", "cache-control", "x-content-type-options", "referrer-policy", "x-robots-tag"].map((h) => [
        h,
        full.headers.get(h),
      ]),
    ),
  ).toEqual({
    "content-type": "video/mp4",
    "accept-ranges": "bytes",
    "cache-control": "private, no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex",
  });
  expect(full.headers.get("content-disposition")).toBe(
    `inline; filename="Caf_ d_j_ vu.mp4"; filename*=UTF-8''Caf%C3%A9%20d%C3%A9j%C3%A0%20vu.mp4`,
  );
  const etag = full.headers.get("etag")!;
  expect(etag).toMatch(/^"[0-9a-f]{64}"$/);

  const part = await fetch(media, { headers: { Range: "bytes=100-199" } });
  expect(part.status).toBe(206);
  expect(part.headers.get("content-range")).toBe("bytes 100-199/300000");
  expect(new Uint8Array(await part.arrayBuffer())).toEqual(BYTES.slice(100, 200));

  const whole = await fetch(media, { headers: { Range: "bytes=0-" } });
  expect(whole.status).toBe(200);
  await whole.arrayBuffer();

  const bad = await fetch(media, { headers: { Range: "bytes=300000-" } });
  expect(bad.status).toBe(416);
  expect(bad.headers.get("content-range")).toBe("bytes */300000");

  expect((await fetch(media, { headers: { "If-None-Match": etag } })).status).toBe(304);
  const stale = await fetch(media, { headers: { Range: "bytes=0-9", "If-Range": '"other"' } });
  expect(stale.status).toBe(200);
  await stale.arrayBuffer();
  const fresh = await fetch(media, { headers: { Range: "bytes=0-9", "If-Range": etag } });
  expect(fresh.status).toBe(206);
  await fresh.arrayBuffer();

  const head = await fetch(media, { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(head.headers.get("content-length")).toBe("300000");
  expect((await head.arrayBuffer()).byteLength).toBe(0);
});

test("401 for unknown or malformed grants", async () => {
  expect((await fetch(`${backend.siteUrl}/media/${"A".repeat(43)}`)).status).toBe(401);
  const malformed = await fetch(`${backend.siteUrl}/media/not-a-grant`);
  expect(malformed.status).toBe(401);
  expect(await malformed.json()).toEqual({ error: { code: "INVALID_GRANT", message: expect.any(String) } });
});

test("download: 403 when the link disallows it while inline still plays; counted once per download, not per range", async () => {
  const { media, link } = await grantFor();
  const refused = await fetch(`${media}/download`);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("DOWNLOAD_DISABLED");
  expect((await fetch(media, { headers: { Range: "bytes=0-0" } })).status).toBe(206);

  await member.mutation(api.shareLinks.update, { linkId: link.linkId, allowDownload: true });
  const download = await fetch(`${media}/download`);
  expect(download.status).toBe(200);
  expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="Caf_ d_j_ vu.mp4"/);
  await download.arrayBuffer();
  const range = await fetch(`${media}/download`, { headers: { Range: "bytes=1000-1999" } });
  expect(range.status).toBe(206);
  await range.arrayBuffer();
  await (await fetch(`${media}/download`, { method: "HEAD" })).arrayBuffer();
  const row = (await member.query(api.shareLinks.list, { videoId })).find((l) => l.linkId === link.linkId)!;
  expect(row.downloadCount).toBe(1);
});

test("revoke during an open stream: the next range request fails with 404", async () => {
  const { media, link } = await grantFor();
  expect((await fetch(media, { headers: { Range: "bytes=0-99" } })).status).toBe(206);
  await member.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect((await fetch(media, { headers: { Range: "bytes=100-199" } })).status).toBe(404);
});

test("a password change refuses the old grant (401)", async () => {
  const { media, link } = await grantFor({ password: "first" });
  expect((await fetch(media, { method: "HEAD" })).status).toBe(200);
  await member.mutation(api.shareLinks.update, { linkId: link.linkId, password: "second" });
  expect((await fetch(media, { method: "HEAD" })).status).toBe(401);
});

test("raw link /s/<token>: plain GET for links without a password, with Range and CORS", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId });
  const raw = `${backend.siteUrl}/s/${link.token}`;
  const full = await fetch(raw);
  expect(full.status).toBe(200);
  expect(full.headers.get("access-control-allow-origin")).toBe("*");
  expect(full.headers.get("cache-control")).toBe("private, no-store");
  expect(new Uint8Array(await full.arrayBuffer())).toEqual(BYTES);
  const part = await fetch(raw, { headers: { Range: "bytes=5-9" } });
  expect(part.status).toBe(206);
  expect(new Uint8Array(await part.arrayBuffer())).toEqual(BYTES.slice(5, 10));
  expect((await fetch(`${raw}/download`)).status).toBe(403);
  const row = (await member.query(api.shareLinks.list, { videoId })).find((l) => l.linkId === link.linkId)!;
  expect(row.viewCount).toBe(1);
  await member.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect((await fetch(raw)).status).toBe(404);
  expect((await fetch(`${backend.siteUrl}/s/nonsense`)).status).toBe(404);
});

test("raw link with a password: 401 without or with a wrong X-Share-Password, bytes with the right one", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, password: "pa55" });
  const raw = `${backend.siteUrl}/s/${link.token}`;
  const missing = await fetch(raw);
  expect(missing.status).toBe(401);
  expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("PASSWORD_REQUIRED");
  const wrong = await fetch(raw, { headers: { "X-Share-Password": "nope" } });
  expect(wrong.status).toBe(401);
  expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("INVALID_PASSWORD");
  const right = await fetch(raw, { headers: { "X-Share-Password": "pa55", Range: "bytes=0-3" } });
  expect(right.status).toBe(206);
  await right.arrayBuffer();
});

test("a grant's request budget: a flood gets 429 with Retry-After", async () => {
  const { media } = await grantFor();
  let limited: Response | null = null;
  // A flood outruns the bucket's refill (20 a second) however fast the server answers: 25 at a time.
  for (let sent = 0; sent < 2000 && !limited; sent += 25) {
    const answers = await Promise.all(Array.from({ length: 25 }, () => fetch(media, { method: "HEAD" })));
    limited = answers.find((res) => res.status === 429) ?? null;
  }
  expect(limited?.status).toBe(429);
  expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
});

test("IP allowlist on HTTP routes: the socket address decides, a spoofed X-Forwarded-For does not", async () => {
  const blocked = await member.mutation(api.shareLinks.create, { videoId, ipAllowlist: "10.0.0.0/8" });
  const spoofed = await fetch(`${backend.siteUrl}/s/${blocked.token}`, { headers: { "X-Forwarded-For": "10.1.1.1" } });
  expect(spoofed.status).toBe(403);
  const grantRefused = await fetch(`${backend.siteUrl}/api/v1/grant`, {
    method: "POST",
    body: JSON.stringify({ token: blocked.token, viewerId: "viewer-hhhh" }),
  });
  expect(await grantRefused.json()).toEqual({ ok: false, reason: "ipNotAllowed" });

  const local = await member.mutation(api.shareLinks.create, { videoId, ipAllowlist: "127.0.0.0/8, ::1" });
  // A browser's preflight (it always names its origin): any origin may ask, without credentials.
  const preflight = await fetch(`${backend.siteUrl}/api/v1/grant`, {
    method: "OPTIONS",
    headers: { Origin: "https://elsewhere.example", "Access-Control-Request-Method": "POST" },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get("access-control-allow-origin")).toBe("https://elsewhere.example");
  expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
  const granted = (await (
    await fetch(`${backend.siteUrl}/api/v1/grant`, {
      method: "POST",
      body: JSON.stringify({ token: local.token, viewerId: "viewer-hhhh" }),
    })
  ).json()) as { ok: boolean; grantToken: string };
  expect(granted.ok).toBe(true);
  expect((await fetch(`${backend.siteUrl}/media/${granted.grantToken}`, { method: "HEAD" })).status).toBe(200);
  expect((await fetch(`${backend.siteUrl}/s/${local.token}`, { method: "HEAD" })).status).toBe(200);
  // Narrowing the list applies to grants already issued.
  await member.mutation(api.shareLinks.update, { linkId: local.linkId, ipAllowlist: "192.0.2.0/24" });
  const after = await fetch(`${backend.siteUrl}/media/${granted.grantToken}`);
  expect(after.status).toBe(403);
  const log = await member.query(api.accessLog.list, { linkId: blocked.linkId, paginationOpts: { numItems: 5, cursor: null } });
  expect(log.page[0]).toMatchObject({ event: "grantRefused", reason: "ipNotAllowed", clientAddress: "127.0.0.1" });
});

// Runs last: it moves the backend clock a day on, past the member's session token (refused once expired, as on Convex).
test("410 once the grant or its link has expired", async () => {
  const { media } = await grantFor({ expiresInDays: 1 });
  expect((await fetch(media, { method: "HEAD" })).status).toBe(200);
  await backend.advanceClock(24 * 60 * 60 * 1000 + 1000);
  const expired = await fetch(media);
  expect(expired.status).toBe(410);
  expect(((await expired.json()) as { error: { code: string } }).error.code).toBe("GRANT_EXPIRED");
});
