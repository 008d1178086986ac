/**
 * Issue 12 point 6: every poster a viewer or member is handed goes through the grant gate
 * (/media/<grant>/poster, re-checked per request), never a raw storage URL.
 */
import { expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { initConvexTest, joinTeam, signedInUser, teamWithReadyVideo, uploadFor } from "./test.setup";

async function withPoster() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  const poster = await uploadFor(t, alice.as, videoId, new Uint8Array([137, 80, 78, 71]), "image/png", "poster");
  expect(await alice.as.mutation(api.videos.setPoster, { videoId, storageId: poster })).toEqual({ ok: true });
  const collectionId = await alice.as.mutation(api.collections.create, { teamId, title: "Reel", videoIds: [videoId] });
  const grantFor = async (token: string) => {
    const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token, viewerId: `viewer-${token.slice(0, 6)}` });
    if (!grant.ok) throw new Error(grant.reason);
    return grant.grantToken;
  };
  const videoLink = await alice.as.mutation(api.shareLinks.create, { videoId });
  const collectionLink = await alice.as.mutation(api.shareLinks.create, { collectionId });
  return {
    t,
    alice,
    teamId,
    videoId,
    poster,
    collectionId,
    videoLink,
    videoGrant: await grantFor(videoLink.token),
    collectionGrant: await grantFor(collectionLink.token),
  };
}

/** The grant token and `?video=` of a gated poster URL, as servePoster (http.ts) reads them. */
function gatedPoster(url: string | null) {
  const parsed = new URL(url!);
  const match = /^\/media\/([\w-]{43})\/poster$/.exec(parsed.pathname);
  expect(match, url!).not.toBeNull();
  return { grantToken: match![1], videoId: parsed.searchParams.get("video") ?? undefined };
}

test("viewerFacts hands viewers the gated poster (video and collection grants), which opens only while the link lives", async () => {
  const { t, alice, videoId, poster, videoGrant, collectionGrant, videoLink } = await withPoster();
  const facts = await t.query(api.teamLinks.viewerFacts, { grantToken: videoGrant });
  const inCollection = await t.query(api.teamLinks.viewerFacts, { grantToken: collectionGrant, videoId });
  for (const result of [facts, inCollection]) expect(JSON.stringify(result)).not.toContain("/api/storage/");
  expect(gatedPoster(facts!.posterUrl)).toEqual({ grantToken: videoGrant, videoId: undefined });
  expect(gatedPoster(inCollection!.posterUrl)).toEqual({ grantToken: collectionGrant, videoId });
  expect(await t.mutation(internal.media.openPoster, gatedPoster(facts!.posterUrl))).toEqual({ ok: true, storageId: poster });
  expect(await t.mutation(internal.media.openPoster, gatedPoster(inCollection!.posterUrl))).toEqual({ ok: true, storageId: poster });
  await alice.as.mutation(api.shareLinks.revoke, { linkId: videoLink.linkId });
  expect(await t.mutation(internal.media.openPoster, gatedPoster(facts!.posterUrl))).toEqual({ ok: false, reason: "missing" });
});

test("a collection's viewers get gated posters; its members get hasPoster (their library grant fetches it)", async () => {
  const { t, alice, teamId, videoId, poster, collectionId, collectionGrant } = await withPoster();
  const shared = await t.query(api.collections.getByShareGrant, { grantToken: collectionGrant });
  expect(JSON.stringify(shared)).not.toContain("/api/storage/");
  expect(gatedPoster(shared!.videos[0].posterUrl)).toEqual({ grantToken: collectionGrant, videoId });
  expect(await t.mutation(internal.media.openPoster, gatedPoster(shared!.videos[0].posterUrl))).toEqual({ ok: true, storageId: poster });

  const vera = await signedInUser(t, "Vera");
  await joinTeam(alice, teamId, vera, "viewer");
  const member = await vera.as.query(api.collections.get, { collectionId });
  expect(JSON.stringify(member)).not.toContain("/api/storage/");
  expect(member.videos).toEqual([expect.objectContaining({ videoId, hasPoster: true })]);
  const { posterBase } = await vera.as.mutation(api.playback.openPosters, { teamId });
  expect(await t.mutation(internal.media.openPoster, gatedPoster(`${posterBase}?video=${videoId}`))).toEqual({
    ok: true,
    storageId: poster,
  });
});

test("a member's player poster is gated too", async () => {
  const { alice, videoId } = await withPoster();
  const player = await alice.as.mutation(api.playback.openPlayback, { videoId: videoId as Id<"videos"> });
  expect(player.posterUrl).toBe(`${player.mediaUrl}/poster`);
  expect(player.posterUrl).not.toContain("/api/storage/");
});
