/** The /api/v1 HTTP API over real HTTP: keys and scopes, every share route, public routes, error codes. */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { APP_PROJECT, signUp as signUpOverWire, TINY_MP4, uploadReadyVideo } from "./appTesting";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";

let backend: RunningBackend;
let owner: ConvexHttpClient;
let teamId: Id<"teams">;
let videoId: Id<"videos">;
let writeKey: string;
let readKey: string;

const signUp = async (email: string) => (await signUpOverWire(backend, email)).http;
const readyVideo = async (http: ConvexHttpClient, team: Id<"teams">) => (await uploadReadyVideo(http, team)).videoId;

const call = (path: string, init: RequestInit & { key?: string } = {}) =>
  fetch(`${backend.siteUrl}/api/v1${path}`, {
    ...init,
    headers: {
      ...(init.key ? { Authorization: `Bearer ${init.key}` } : {}),
      ...(init.body ? { "Content-Type": "application/json" } : {}),
      ...(init.headers as object),
    },
  });
const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT });
  owner = await signUp("api-owner@example.com");
  teamId = await owner.mutation(api.teams.create, { name: "API" });
  videoId = await readyVideo(owner, teamId);
  writeKey = (await owner.mutation(api.apiKeys.create, { teamId, name: "deploy bot", scopes: ["shares:read", "shares:write"] })).key;
  readKey = (await owner.mutation(api.apiKeys.create, { teamId, name: "dashboard", scopes: ["shares:read"] })).key;
}, 60_000);
afterAll(async () => backend?.stop());

test("keys are shown once and stored hashed; listed without the secret", async () => {
  const keys = await owner.query(api.apiKeys.list, { teamId });
  expect(keys.map((k) => k.name).sort()).toEqual(["dashboard", "deploy bot"]);
  expect(JSON.stringify(keys)).not.toContain(writeKey);
  expect(writeKey).toMatch(/^rg_[A-Za-z0-9_-]{43}$/);
});

test("create, list newest first, get, patch, revoke (idempotent 204), X-API-Key works too", async () => {
  const created = await call("/shares", {
    method: "POST",
    key: writeKey,
    body: JSON.stringify({ video_id: videoId, expires_in_days: 7, label: "bot" }),
  });
  expect(created.status).toBe(201);
  const share = (await created.json()) as { id: string; url: string; status: string; label: string; expires_at: string };
  expect(share).toMatchObject({ status: "active", label: "bot" });
  expect(share.url).toMatch(/\/share\/[A-Za-z0-9_-]{43}$/);
  const second = (await (await call("/shares", { method: "POST", key: writeKey, body: JSON.stringify({ video_id: videoId }) })).json()) as {
    id: string;
  };

  const list = (await (await call(`/shares?video_id=${videoId}`, { key: readKey })).json()) as { data: Array<{ id: string }> };
  expect(list.data.map((s) => s.id)).toEqual([second.id, share.id]);
  const one = await call(`/shares/${share.id}`, { headers: { "X-API-Key": readKey } });
  expect(one.status).toBe(200);

  const patched = await call(`/shares/${share.id}`, {
    method: "PATCH",
    key: writeKey,
    body: JSON.stringify({ allow_download: true, expires_at: null }),
  });
  expect(patched.status).toBe(200);
  expect(await patched.json()).toMatchObject({ allow_download: true, expires_at: null });

  expect((await call(`/shares/${share.id}`, { method: "DELETE", key: writeKey })).status).toBe(204);
  expect((await call(`/shares/${share.id}`, { method: "DELETE", key: writeKey })).status).toBe(204);
  const active = (await (await call(`/shares?video_id=${videoId}`, { key: readKey })).json()) as { data: Array<{ id: string }> };
  expect(active.data.map((s) => s.id)).toEqual([second.id]);
  const all = (await (await call(`/shares?video_id=${videoId}&include_inactive=true`, { key: readKey })).json()) as {
    data: Array<{ status: string }>;
  };
  expect(all.data.map((s) => s.status)).toEqual(["active", "revoked"]);
});

test("scopes, revocation and team boundaries", async () => {
  const readOnly = await call("/shares", { method: "POST", key: readKey, body: JSON.stringify({ video_id: videoId }) });
  expect([readOnly.status, await code(readOnly)]).toEqual([403, "FORBIDDEN"]);
  const none = await call("/shares");
  expect([none.status, await code(none)]).toEqual([401, "UNAUTHORIZED"]);

  const temp = await owner.mutation(api.apiKeys.create, { teamId, name: "temp", scopes: ["shares:read"] });
  expect((await call("/shares", { key: temp.key })).status).toBe(200);
  await owner.mutation(api.apiKeys.revoke, { keyId: temp.keyId });
  expect((await call("/shares", { key: temp.key })).status).toBe(401);

  const other = await signUp("other-team@example.com");
  const otherTeam = await other.mutation(api.teams.create, { name: "Other" });
  const otherVideo = await readyVideo(other, otherTeam);
  const otherLink = await other.mutation(api.shareLinks.create, { videoId: otherVideo });
  const foreign = await call(`/shares/${otherLink.linkId}`, { method: "DELETE", key: writeKey });
  expect([foreign.status, await code(foreign)]).toEqual([404, "SHARE_NOT_FOUND"]);
  const foreignVideo = await call("/shares", { method: "POST", key: writeKey, body: JSON.stringify({ video_id: otherVideo }) });
  expect([foreignVideo.status, await code(foreignVideo)]).toEqual([404, "FILE_NOT_FOUND"]);
});

test("validation and conflict errors", async () => {
  const bad = await call("/shares", { method: "POST", key: writeKey, body: JSON.stringify({ video_id: videoId, expires_in_days: 0 }) });
  expect([bad.status, await code(bad)]).toEqual([400, "VALIDATION_ERROR"]);
  const unknown = await call("/shares", { method: "POST", key: writeKey, body: JSON.stringify({ video_id: videoId, colour: "red" }) });
  expect([unknown.status, await code(unknown)]).toEqual([400, "VALIDATION_ERROR"]);
  const notJson = await call("/shares", { method: "POST", key: writeKey, body: "{" });
  expect(notJson.status).toBe(400);
  const pending = await owner.mutation(api.videos.create, { teamId, title: "P", fileName: "p.mp4" });
  const conflict = await call("/shares", { method: "POST", key: writeKey, body: JSON.stringify({ video_id: pending }) });
  expect([conflict.status, await code(conflict)]).toEqual([409, "CONFLICT"]);
  const slug1 = await call("/shares", {
    method: "POST",
    key: writeKey,
    body: JSON.stringify({ video_id: videoId, custom_slug: "api-slug" }),
  });
  expect(slug1.status).toBe(201);
  const slug2 = await call("/shares", {
    method: "POST",
    key: writeKey,
    body: JSON.stringify({ video_id: videoId, custom_slug: "API-SLUG" }),
  });
  expect([slug2.status, await code(slug2)]).toEqual([409, "CONFLICT"]);
});

test("public info and download: password header, counts, disabled downloads, rate limit", async () => {
  const link = await owner.mutation(api.shareLinks.create, { videoId, password: "pw", allowDownload: true });
  const missing = await call(`/public/${link.token}`);
  expect([missing.status, await code(missing)]).toEqual([401, "PASSWORD_REQUIRED"]);
  const wrong = await call(`/public/${link.token}`, { headers: { "X-Share-Password": "nope" } });
  expect([wrong.status, await code(wrong)]).toEqual([401, "INVALID_PASSWORD"]);
  const info = await call(`/public/${link.token}`, { headers: { "X-Share-Password": "pw" } });
  expect(info.status).toBe(200);
  const body = (await info.json()) as {
    name: string;
    size: number;
    content_type: string;
    requires_password: boolean;
    download_url: string;
  };
  expect(body).toMatchObject({ name: "cut.mp4", size: TINY_MP4.length, content_type: "video/mp4", requires_password: true });
  const file = await fetch(body.download_url, { headers: { "X-Share-Password": "pw" } });
  expect(file.status).toBe(200);
  expect(await file.text()).toBe(TINY_MP4);
  const row = (await owner.query(api.shareLinks.list, { videoId })).find((l) => l.linkId === link.linkId)!;
  expect([row.viewCount, row.downloadCount]).toEqual([1, 1]);

  const noDownloads = await owner.mutation(api.shareLinks.create, { videoId });
  const disabled = await call(`/public/${noDownloads.token}/download`);
  expect([disabled.status, await code(disabled)]).toEqual([403, "DOWNLOAD_DISABLED"]);
  const gone = await call(`/public/${"x".repeat(43)}`);
  expect([gone.status, await code(gone)]).toEqual([404, "SHARE_NOT_FOUND"]);

  let limited: Response | null = null;
  for (let i = 0; i < 70 && !limited; i++) {
    const res = await call(`/public/${noDownloads.token}`, { headers: { "X-Forwarded-For": "203.0.113.9" } });
    if (res.status === 429) limited = res;
    else await res.arrayBuffer();
  }
  expect(limited && (await code(limited))).toBe("RATE_LIMITED");
  expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
});

test("remaining error codes: NOT_FOUND route, QUOTA_EXCEEDED, minting and per-key request limits", async () => {
  const route = await call("/nothing-here", { key: writeKey });
  expect([route.status, await code(route)]).toEqual([404, "NOT_FOUND"]);

  const quotaTeam = await owner.mutation(api.teams.create, { name: "Quota" });
  const quotaVideo = await readyVideo(owner, quotaTeam);
  await owner.mutation(api.teams.setLinkQuota, { teamId: quotaTeam, limit: 0 });
  const quotaKey = (await owner.mutation(api.apiKeys.create, { teamId: quotaTeam, name: "q", scopes: ["shares:write"] })).key;
  const quota = await call("/shares", {
    method: "POST",
    key: quotaKey,
    body: JSON.stringify({ video_id: quotaVideo, expires_in_days: 1 }),
  });
  expect([quota.status, await code(quota)]).toEqual([403, "QUOTA_EXCEEDED"]);

  const minter = await signUp("minter@example.com");
  const mintTeam = await minter.mutation(api.teams.create, { name: "Mint" });
  const mintVideo = await readyVideo(minter, mintTeam);
  const mintKey = (await minter.mutation(api.apiKeys.create, { teamId: mintTeam, name: "m", scopes: ["shares:write", "shares:read"] })).key;
  let minted = 0;
  let limited: Response | null = null;
  const mintStart = Date.now();
  for (let i = 0; i < 400 && !limited; i++) {
    const res = await call("/shares", { method: "POST", key: mintKey, body: JSON.stringify({ video_id: mintVideo }) });
    if (res.status === 429) limited = res;
    else {
      expect(res.status).toBe(201);
      minted++;
      await res.arrayBuffer();
    }
  }
  // A token bucket of 120/min: the burst is 120, plus the 2 tokens a second that refill while the loop runs.
  const refilled = Math.ceil(((Date.now() - mintStart) / 1000) * 2);
  expect(minted).toBeGreaterThanOrEqual(120);
  expect(minted).toBeLessThanOrEqual(120 + refilled);
  expect(limited && (await code(limited))).toBe("RATE_LIMITED");
  expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);

  const reader = (await minter.mutation(api.apiKeys.create, { teamId: mintTeam, name: "r", scopes: ["shares:read"] })).key;
  let requests = 0;
  let hourly: Response | null = null;
  for (let i = 0; i < 1010 && !hourly; i++) {
    const res = await call(`/shares/${"x".repeat(10)}`, { key: reader });
    if (res.status === 429) hourly = res;
    else {
      requests++;
      await res.arrayBuffer();
    }
  }
  expect(requests).toBe(1000);
  expect(hourly && (await code(hourly))).toBe("RATE_LIMITED");
}, 120_000);
