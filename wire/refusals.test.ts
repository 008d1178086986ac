/**
 * One situation, one answer on every route: the share page's status (getByToken), a grant
 * (POST /api/v1/grant), the public info and download routes, the raw link and its download,
 * and media through a grant issued before — all from convex/lib/refusals.ts.
 */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { REFUSALS, refusalHttp, type Refusal } from "../convex/lib/refusals";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";
import { APP_PROJECT, signUp, uploadReadyVideo } from "./appTesting";

let backend: RunningBackend;
let member: ConvexHttpClient;
let anon: ConvexHttpClient;
let videoId: Id<"videos">;

beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT, testClock: true });
  member = (await signUp(backend, "refusals@example.com", "Rita")).http;
  anon = new ConvexHttpClient(backend.cloudUrl);
  const teamId = await member.mutation(api.teams.create, { name: "Refusals" });
  ({ videoId } = await uploadReadyVideo(member, teamId));
}, 60_000);
afterAll(async () => backend?.stop());

type Routes = { token: string; password?: string; grantToken?: string };

/** The HTTP answer of each route for a link token (and a grant issued earlier). */
async function httpAnswers({ token, password, grantToken }: Routes) {
  const headers: Record<string, string> = password === undefined ? {} : { "X-Share-Password": password };
  const urls: Record<string, string> = {
    info: `/api/v1/public/${token}`,
    download: `/api/v1/public/${token}/download`,
    raw: `/s/${token}`,
    rawDownload: `/s/${token}/download`,
  };
  if (grantToken) urls.media = `/media/${grantToken}`;
  const answers: Record<string, { status: number; body: unknown; retryAfter: string | null }> = {};
  for (const [route, url] of Object.entries(urls)) {
    const res = await fetch(`${backend.siteUrl}${url}`, { headers });
    answers[route] = { status: res.status, body: await res.json().catch(() => null), retryAfter: res.headers.get("retry-after") };
  }
  return answers;
}

const grantOverHttp = async (token: string, password?: string) =>
  (await (
    await fetch(`${backend.siteUrl}/api/v1/grant`, {
      method: "POST",
      body: JSON.stringify({ token, password, viewerId: "viewer-refusals" }),
    })
  ).json()) as { ok: boolean; reason?: string; grantToken?: string };

function expectEverywhere(answers: Awaited<ReturnType<typeof httpAnswers>>, reason: Refusal) {
  const { status, code, message } = refusalHttp(reason);
  for (const [route, answer] of Object.entries(answers)) {
    expect([route, answer.status, answer.body]).toEqual([route, status, { error: { code, message } }]);
  }
}

async function grantFor(link: { token: string }, password?: string) {
  const grant = await grantOverHttp(link.token, password);
  if (!grant.ok || !grant.grantToken) throw new Error(`no grant: ${grant.reason}`);
  return grant.grantToken;
}

test("every reason has a status, an API code, a title and words", () => {
  for (const facts of Object.values(REFUSALS)) {
    expect([400, 401, 403, 404, 410, 429]).toContain(facts.status);
    expect(facts.code).toMatch(/^[A-Z_]+$/);
    expect(facts.title.length).toBeGreaterThan(3);
    expect(facts.words).toMatch(/\.$/);
  }
});

test("revoked link: missing everywhere (404 SHARE_NOT_FOUND)", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const grantToken = await grantFor(link);
  await member.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect(await anon.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "missing" });
  expect(await grantOverHttp(link.token)).toEqual({ ok: false, reason: "missing" });
  expectEverywhere(await httpAnswers({ token: link.token, grantToken }), "missing");
});

test("view limit reached: viewLimit everywhere (403 LIMIT_REACHED), also on /api/v1/public/{slug}", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, allowDownload: true, maxViews: 1, customSlug: "limit-demo" });
  await grantFor(link);
  expect(await anon.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "viewLimit" });
  expect(await grantOverHttp(link.token)).toEqual({ ok: false, reason: "viewLimit" });
  expectEverywhere(await httpAnswers({ token: link.token }), "viewLimit");
  expectEverywhere(await httpAnswers({ token: "limit-demo" }), "viewLimit");
});

test("a HEAD of /api/v1/public/{token} (a link preview, a probe) is answered without spending the link's one view", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, maxViews: 1 });
  const url = `${backend.siteUrl}/api/v1/public/${link.token}`;
  for (let i = 0; i < 3; i++) expect((await fetch(url, { method: "HEAD" })).status).toBe(200);
  expect((await fetch(url)).status).toBe(200);
  expect((await fetch(url)).status).toBe(403);
  expect((await fetch(url, { method: "HEAD" })).status).toBe(403);
});

test("password links: passwordRequired without one, invalidPassword with a wrong one (401)", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, allowDownload: true, password: "right" });
  expect(await anon.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "passwordRequired" });
  expect(await grantOverHttp(link.token)).toEqual({ ok: false, reason: "passwordRequired" });
  expectEverywhere(await httpAnswers({ token: link.token }), "passwordRequired");
  expect(await grantOverHttp(link.token, "wrong")).toEqual({ ok: false, reason: "invalidPassword" });
  expectEverywhere(await httpAnswers({ token: link.token, password: "wrong" }), "invalidPassword");
});

test("network not allowed: ipNotAllowed everywhere (403 FORBIDDEN), also for a grant issued before the list narrowed", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const grantToken = await grantFor(link);
  await member.mutation(api.shareLinks.update, { linkId: link.linkId, ipAllowlist: "10.0.0.0/8" });
  expect(await grantOverHttp(link.token)).toEqual({ ok: false, reason: "ipNotAllowed" });
  expectEverywhere(await httpAnswers({ token: link.token, grantToken }), "ipNotAllowed");
  // Over the WebSocket the address is unknown: the share page is told to ask over HTTP.
  expect(await anon.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "ipCheckRequired" });
});

test("downloads off: downloadDisabled on every download route (403 DOWNLOAD_DISABLED)", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId });
  const grantToken = await grantFor(link);
  const { status, code, message } = refusalHttp("downloadDisabled");
  for (const url of [`/api/v1/public/${link.token}/download`, `/s/${link.token}/download`, `/media/${grantToken}/download`]) {
    const res = await fetch(`${backend.siteUrl}${url}`);
    expect([url, res.status, await res.json()]).toEqual([url, status, { error: { code, message } }]);
  }
});

test("an expired link: expired everywhere (410 SHARE_EXPIRED); a grant that ran out: 410 GRANT_EXPIRED", async () => {
  const link = await member.mutation(api.shareLinks.create, { videoId, allowDownload: true, expiresInDays: 7 });
  const grantToken = await grantFor(link); // valid for 24 hours
  const later = await member.mutation(api.shareLinks.create, { videoId, expiresInDays: 7 });
  const laterGrant = await grantFor(later);
  // The link now ends in an hour, before the grant would.
  await member.mutation(api.shareLinks.update, { linkId: link.linkId, expiresInDays: null, expiresAt: Date.now() + 60 * 60 * 1000 });
  await backend.advanceClock(2 * 60 * 60 * 1000);
  expect(await anon.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "expired" });
  expect(await grantOverHttp(link.token)).toEqual({ ok: false, reason: "expired" });
  expectEverywhere(await httpAnswers({ token: link.token, grantToken }), "expired");

  await backend.advanceClock(24 * 60 * 60 * 1000);
  const ranOut = await fetch(`${backend.siteUrl}/media/${laterGrant}`);
  const { status, code, message } = refusalHttp("grantExpired");
  expect([ranOut.status, await ranOut.json()]).toEqual([status, { error: { code, message } }]);
});
