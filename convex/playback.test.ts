/** Members watch and see posters through the gate (playback.ts, lib/memberGrants.ts, media.ts). */
import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { MEMBER_GRANT_TTL_MS } from "./lib/memberGrants";
import { initConvexTest, joinTeam, signedInUser, teamWithReadyVideo, uploadFor, useFrozenClock } from "./test.setup";

useFrozenClock();
const GET = { method: "GET", range: "bytes=0-3" };
const tokenOf = (url: string) => new URL(url).pathname.split("/")[2];

async function setup() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  const bob = await signedInUser(t, "Bob");
  await joinTeam(alice, teamId, bob, "viewer");
  return { t, alice, bob, teamId, videoId };
}

test("a member's player gets a short-lived grant on /media; removing the member cuts it at once", async () => {
  const { t, alice, bob, teamId, videoId } = await setup();
  const { mediaUrl, expiresAt } = await bob.as.mutation(api.playback.openPlayback, { videoId });
  expect(mediaUrl).toMatch(/^http:\/\/site\.test\/media\/[\w-]{43}$/);
  expect(expiresAt).toBe(Date.now() + MEMBER_GRANT_TTL_MS);
  const open = () => t.mutation(internal.media.openGrant, { grantToken: tokenOf(mediaUrl), download: false, request: GET });
  expect(await open()).toMatchObject({ ok: true, size: 8, parts: [{ from: 0, to: 4 }] });
  await alice.as.mutation(api.teams.removeMember, { teamId, userId: bob.userId });
  expect(await open()).toEqual({ ok: false, reason: "grantInvalid" });
});

test("a member grant runs out; it plays only its own video; outsiders get none", async () => {
  const { t, alice, bob, teamId, videoId } = await setup();
  const other = await teamWithReadyVideo(t, alice);
  const { mediaUrl } = await bob.as.mutation(api.playback.openPlayback, { videoId });
  const token = tokenOf(mediaUrl);
  expect(
    await t.mutation(internal.media.openGrant, { grantToken: token, videoId: other.videoId, download: false, request: GET }),
  ).toMatchObject({ ok: false });
  vi.advanceTimersByTime(MEMBER_GRANT_TTL_MS + 1);
  expect(await t.mutation(internal.media.openGrant, { grantToken: token, download: false, request: GET })).toEqual({
    ok: false,
    reason: "grantExpired",
  });
  const mallory = await signedInUser(t, "Mallory");
  await expect(mallory.as.mutation(api.playback.openPlayback, { videoId })).rejects.toThrow();
  await expect(mallory.as.mutation(api.playback.openPosters, { teamId })).rejects.toThrow();
});

test("posters through the gate: the library grant opens posters of its team's videos only, never the video", async () => {
  const { t, alice, bob, teamId, videoId } = await setup();
  const poster = await uploadFor(t, alice.as, videoId, new Uint8Array([137, 80, 78, 71]), "image/png", "poster");
  expect(await alice.as.mutation(api.videos.setPoster, { videoId, storageId: poster })).toEqual({ ok: true });
  const { posterBase } = await bob.as.mutation(api.playback.openPosters, { teamId });
  const token = tokenOf(posterBase);
  expect(await t.mutation(internal.media.openPoster, { grantToken: token, videoId })).toEqual({ ok: true, storageId: poster });
  expect(await t.mutation(internal.media.openGrant, { grantToken: token, videoId, download: false, request: GET })).toEqual({
    ok: false,
    reason: "missing",
  });
  const elsewhere = await teamWithReadyVideo(t, await signedInUser(t, "Eve"));
  expect(await t.mutation(internal.media.openPoster, { grantToken: token, videoId: elsewhere.videoId })).toEqual({
    ok: false,
    reason: "missing",
  });
  const player = await bob.as.mutation(api.playback.openPlayback, { videoId });
  expect(player.posterUrl).toBe(`${player.mediaUrl}/poster`);
  // A viewer's grant opens the poster until its link is revoked.
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-poster" });
  if (!grant.ok) throw new Error(grant.reason);
  expect(await t.mutation(internal.media.openPoster, { grantToken: grant.grantToken })).toEqual({ ok: true, storageId: poster });
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect(await t.mutation(internal.media.openPoster, { grantToken: grant.grantToken })).toEqual({ ok: false, reason: "missing" });
  await alice.as.mutation(api.teams.removeMember, { teamId, userId: bob.userId });
  expect(await t.mutation(internal.media.openPoster, { grantToken: token, videoId })).toEqual({ ok: false, reason: "grantInvalid" });
});
