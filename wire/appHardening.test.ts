/**
 * Issue 9's app-side points over real HTTP against the embedded backend: forged client
 * addresses, inert media, uploads bound to their video, downloads counted by bytes, slug
 * lookups that cost, and the share page's grant path spending only the viewer's own budget.
 */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { APP_PROJECT, signUp, uploadReadyVideo, withMp4Head } from "./appTesting";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";

let backend: RunningBackend;
let member: ConvexHttpClient;
let teamId: Id<"teams">;
let videoId: Id<"videos">;
let storageId: Id<"_storage">;
const BYTES = withMp4Head(new Uint8Array(4096).map((_, i) => i % 251));

beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT, testClock: true });
  member = (await signUp(backend, "hard@example.com", "Hana")).http;
  teamId = await member.mutation(api.teams.create, { name: "Hardened" });
  ({ videoId, storageId } = await uploadReadyVideo(member, teamId, { body: BYTES as BodyInit }));
}, 60_000);
afterAll(async () => backend?.stop());

const grantOverHttp = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${backend.siteUrl}/api/v1/grant`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

test("a forged X-Forwarded-For does not pass an IP allowlist", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, ipAllowlist: "10.0.0.0/8" });
  const forged = await grantOverHttp(
    { token: link.token, viewerId: "forger-0001" },
    { "X-Forwarded-For": "10.1.2.3", "X-Real-IP": "10.1.2.3" },
  );
  expect(await forged.json()).toEqual({ ok: false, reason: "ipNotAllowed" });
  const allowed = await member.mutation(api.shareLinks.create, { videoId, ipAllowlist: "127.0.0.1" });
  expect(
    await (await grantOverHttp({ token: allowed.token, viewerId: "local-0001" }, { "X-Forwarded-For": "10.1.2.3" })).json(),
  ).toMatchObject({ ok: true });
});

test("media is served as the verified type with nosniff and a sandbox policy; an HTML upload never becomes a video", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const grant = (await (await grantOverHttp({ token: link.token, viewerId: "viewer-inert" })).json()) as { grantToken: string };
  for (const url of [`${backend.siteUrl}/media/${grant.grantToken}`, `${backend.siteUrl}/s/${link.token}`]) {
    const res = await fetch(url);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toMatch(/sandbox/);
    await res.arrayBuffer();
  }
  const draft = await member.mutation(api.videos.create, { teamId, title: "evil", fileName: "evil.mp4" });
  const uploadUrl = await member.mutation(api.videos.generateUploadUrl, { videoId: draft });
  const stored = await fetch(uploadUrl, {
    method: "POST",
    body: "<script>alert(document.domain)</script>",
    headers: { "Content-Type": "video/mp4,text/html" },
  });
  const { storageId } = (await stored.json()) as { storageId: Id<"_storage"> };
  expect(await member.action(api.videos.finalizeUpload, { videoId: draft, storageId })).toMatchObject({
    ok: false,
    code: "UPLOAD_REJECTED",
  });
});

test("another team's storage id is refused and its video keeps playing", async () => {
  const mallory = (await signUp(backend, "mallory@example.com", "Mallory")).http;
  const own = await mallory.mutation(api.teams.create, { name: "Mallory's" });
  const draft = await mallory.mutation(api.videos.create, { teamId: own, title: "mine", fileName: "m.mp4" });
  await mallory.mutation(api.videos.generateUploadUrl, { videoId: draft });
  const victimStorage = storageId;
  await expect(mallory.action(api.videos.finalizeUpload, { videoId: draft, storageId: victimStorage })).rejects.toThrow(
    /not uploaded for this video/,
  );
  await expect(mallory.mutation(api.videos.setPoster, { videoId: draft, storageId: victimStorage })).rejects.toThrow(
    /not uploaded for this video/,
  );
  expect(await member.query(api.videos.get, { videoId })).toMatchObject({ status: "ready" });
});

test("maxDownloads 1 gives exactly one whole copy however the ranges are spelled", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, allowDownload: true, maxDownloads: 1 });
  const download = `${backend.siteUrl}/s/${link.token}/download`;
  const first = await fetch(download, { headers: { Range: "bytes=0-2047" } });
  expect(first.status).toBe(206);
  await first.arrayBuffer();
  const rest = await fetch(download, { headers: { Range: "bytes=2048-" } });
  expect(rest.status).toBe(206);
  expect(new Uint8Array(await rest.arrayBuffer())).toEqual(BYTES.slice(2048));
  for (const range of ["bytes=0-", "bytes=1-", "bytes=-4096", "bytes=0-4095", ""]) {
    const again = await fetch(download, { headers: range ? { Range: range } : {} });
    expect([range, again.status]).toEqual([range, 403]);
    await again.arrayBuffer();
  }
  expect((await member.query(api.shareLinks.list, { videoId })).find((l) => l.linkId === link.linkId)?.downloadCount).toBe(1);
});

test("custom slugs resolve for queries only with a ticket from the rate-limited resolve route", async () => {
  await member.mutation(api.shareLinks.create, { videoId, customSlug: "wire-slug" });
  const anon = new ConvexHttpClient(backend.cloudUrl);
  expect(await anon.query(api.shareLinks.getByToken, { token: "wire-slug" })).toEqual({ status: "missing" });
  const res = await fetch(`${backend.siteUrl}/api/v1/resolve`, { method: "POST", body: JSON.stringify({ slug: "wire-slug" }) });
  const { slug_ticket } = (await res.json()) as { slug_ticket: string };
  expect(await anon.query(api.shareLinks.getByToken, { token: "wire-slug", slugTicket: slug_ticket })).toMatchObject({ status: "ok" });
  for (const bad of ["null", "[]", "{", JSON.stringify({ slug: 5 })]) {
    expect((await fetch(`${backend.siteUrl}/api/v1/resolve`, { method: "POST", body: bad })).status).toBe(400);
    expect((await fetch(`${backend.siteUrl}/api/v1/grant`, { method: "POST", body: bad })).status).toBe(400);
  }
});
