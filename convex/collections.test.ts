import { expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { dumpTables, expectCode, initConvexTest, joinTeam, signedInUser, uploadFor, type TestConvex } from "./test.setup";

type User = Awaited<ReturnType<typeof signedInUser>>;

async function readyVideo(t: TestConvex, owner: User, teamId: Id<"teams">, title: string, durationSeconds = 20) {
  const videoId = await owner.as.mutation(api.videos.create, { teamId, title, description: `About ${title}`, fileName: `${title}.mp4` });
  const storageId = await uploadFor(t, owner.as, videoId, new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]), "video/mp4");
  await owner.as.action(api.videos.finalizeUpload, { videoId, storageId, durationSeconds });
  return videoId;
}

/** Alice's team with three ready videos and a collection of them in order. */
async function reel() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  const videos = [
    await readyVideo(t, alice, teamId, "Cut A", 10),
    await readyVideo(t, alice, teamId, "Cut B", 20),
    await readyVideo(t, alice, teamId, "Cut C", 30),
  ];
  const collectionId = await alice.as.mutation(api.collections.create, {
    teamId,
    title: "Season one",
    description: "Three cuts",
    videoIds: videos,
  });
  return { t, alice, teamId, videos, collectionId };
}

async function grantOn(t: TestConvex, token: string, password?: string, viewerId = "viewer-coll-1") {
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token, password, viewerId });
  if (!grant.ok) throw new Error(`grant refused: ${grant.reason}`);
  return grant.grantToken;
}

const HEAD = { method: "HEAD" };

test("members create a collection and add, remove and reorder its videos; viewers read it", async () => {
  const { t, alice, teamId, videos, collectionId } = await reel();
  const vera = await signedInUser(t, "Vera");
  await joinTeam(alice, teamId, vera, "viewer");
  const titles = async () => (await vera.as.query(api.collections.get, { collectionId })).videos.map((v) => v.title);
  expect(await titles()).toEqual(["Cut A", "Cut B", "Cut C"]);
  await alice.as.mutation(api.collections.reorder, { collectionId, videoIds: [videos[2], videos[0], videos[1]] });
  expect(await titles()).toEqual(["Cut C", "Cut A", "Cut B"]);
  await alice.as.mutation(api.collections.removeVideo, { collectionId, videoId: videos[0] });
  expect(await titles()).toEqual(["Cut C", "Cut B"]);
  await alice.as.mutation(api.collections.addVideo, { collectionId, videoId: videos[0], position: 0 });
  expect(await titles()).toEqual(["Cut A", "Cut C", "Cut B"]);
  await alice.as.mutation(api.collections.update, { collectionId, title: "Season 1", description: "" });
  expect(await vera.as.query(api.collections.list, { teamId })).toEqual([
    expect.objectContaining({ collectionId, title: "Season 1", description: "", videoCount: 3 }),
  ]);
  const got = await vera.as.query(api.collections.get, { collectionId });
  expect(got.videos[0]).toEqual({ videoId: videos[0], title: "Cut A", durationSeconds: 10, status: "ready", hasPoster: false });
});

test("bad input is refused with INVALID_ARGUMENT and writes nothing", async () => {
  const { t, alice, teamId, videos, collectionId } = await reel();
  const bob = await signedInUser(t, "Bob");
  const otherTeam = await bob.as.mutation(api.teams.create, { name: "Elsewhere" });
  const foreign = await bob.as.mutation(api.videos.create, { teamId: otherTeam, title: "Theirs", fileName: "t.mp4" });
  const before = await dumpTables(t);
  const calls = [
    alice.as.mutation(api.collections.create, { teamId, title: "  " }),
    alice.as.mutation(api.collections.create, { teamId, title: "x".repeat(201) }),
    alice.as.mutation(api.collections.create, { teamId, title: "ok", description: "x".repeat(5001) }),
    alice.as.mutation(api.collections.create, { teamId, title: "ok", videoIds: [videos[0], videos[0]] }),
    alice.as.mutation(api.collections.create, { teamId, title: "ok", videoIds: [foreign] }),
    alice.as.mutation(api.collections.update, { collectionId, title: "" }),
    alice.as.mutation(api.collections.addVideo, { collectionId, videoId: videos[1] }),
    alice.as.mutation(api.collections.addVideo, { collectionId, videoId: foreign }),
    alice.as.mutation(api.collections.removeVideo, { collectionId, videoId: foreign }),
    alice.as.mutation(api.collections.reorder, { collectionId, videoIds: [videos[0], videos[1]] }),
    alice.as.mutation(api.collections.reorder, { collectionId, videoIds: [videos[0], videos[1], foreign] }),
    alice.as.mutation(api.shareLinks.create, { videoId: videos[0], collectionId }),
    alice.as.mutation(api.shareLinks.create, {}),
    alice.as.query(api.shareLinks.list, {}),
  ];
  for (const call of calls) await expectCode(call, "INVALID_ARGUMENT");
  await expectCode(
    alice.as.mutation(api.collections.addVideo, {
      collectionId,
      videoId: await alice.as.mutation(api.videos.create, { teamId, title: "n", fileName: "n.mp4" }),
      position: 9,
    }),
    "INVALID_ARGUMENT",
  );
  const after = await dumpTables(t);
  // Only the video the last call created is new.
  expect({ ...after, videos: after.videos.length }).toEqual({ ...before, videos: before.videos.length + 1 });
  await expectCode(bob.as.mutation(api.shareLinks.create, { collectionId }), "NOT_FOUND");
});

test("one grant of a password-protected collection link opens each of its videos, every request checked", async () => {
  const { t, alice, videos, collectionId } = await reel();
  const link = await alice.as.mutation(api.shareLinks.create, {
    collectionId,
    password: "open sesame",
    expiresInDays: 7,
    allowDownload: true,
    note: "For review",
  });
  // The form is told when the link expires: the page turns it into "expired" then (a query is not re-run as time passes).
  const expiresAt = await t.run(async (ctx) => (await ctx.db.get(link.linkId))?.expiresAt);
  expect(expiresAt).toBeGreaterThan(Date.now());
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "passwordRequired", expiresAt });
  expect(await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, password: "wrong" })).toMatchObject({
    ok: false,
    reason: "invalidPassword",
  });
  const grantToken = await grantOn(t, link.token, "open sesame");
  const view = await t.query(api.collections.getByShareGrant, { grantToken });
  expect(view).toMatchObject({ title: "Season one", description: "Three cuts", note: "For review", canDownload: true });
  expect(view!.videos.map((v) => [v.title, v.durationSeconds, v.mediaUrl])).toEqual(
    videos.map((id, i) => [["Cut A", "Cut B", "Cut C"][i], [10, 20, 30][i], `http://site.test/media/${grantToken}?video=${id}`]),
  );
  expect(view!.videos[1].downloadUrl).toBe(`http://site.test/media/${grantToken}/download?video=${videos[1]}`);
  expect(JSON.stringify(view)).not.toContain(alice.email);
  // The media route: each video of the collection, nothing else, and not without saying which.
  for (const videoId of videos) {
    expect(await t.mutation(internal.media.openGrant, { grantToken, videoId, download: false, request: HEAD })).toMatchObject({ ok: true });
  }
  const outsider = await readyVideo(t, alice, (await alice.as.query(api.collections.get, { collectionId })).teamId, "Not shared");
  expect(await t.mutation(internal.media.openGrant, { grantToken, videoId: outsider, download: false, request: HEAD })).toEqual({
    ok: false,
    reason: "missing",
  });
  expect(await t.mutation(internal.media.openGrant, { grantToken, download: false, request: HEAD })).toEqual({
    ok: false,
    reason: "missing",
  });
  expect(await t.mutation(internal.media.openGrant, { grantToken, videoId: "garbage", download: false, request: HEAD })).toEqual({
    ok: false,
    reason: "missing",
  });
  // A video grant ignores nothing: it opens only its own video.
  expect(await t.query(api.videos.getByShareGrant, { grantToken })).toBeNull();
  // Removing a video from the collection closes its media at once.
  await alice.as.mutation(api.collections.removeVideo, { collectionId, videoId: videos[2] });
  expect(await t.mutation(internal.media.openGrant, { grantToken, videoId: videos[2], download: false, request: HEAD })).toEqual({
    ok: false,
    reason: "missing",
  });
  // Renewing works for the collection as a whole.
  expect(await t.mutation(api.shareGrants.renew, { grantToken })).toMatchObject({ ok: true });
  // Revoking ends everything.
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect(await t.query(api.collections.getByShareGrant, { grantToken })).toBeNull();
  expect(await t.mutation(internal.media.openGrant, { grantToken, videoId: videos[0], download: false, request: HEAD })).toEqual({
    ok: false,
    reason: "missing",
  });
});

test("getByToken of a collection link: its title, video count and total duration; a video link's grant is not a collection's", async () => {
  const { t, alice, videos, collectionId } = await reel();
  const link = await alice.as.mutation(api.shareLinks.create, { collectionId });
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toEqual({
    status: "ok",
    video: { title: "Season one", description: "Three cuts", durationSeconds: 60 },
    collection: { videoCount: 3 },
  });
  const videoLink = await alice.as.mutation(api.shareLinks.create, { videoId: videos[0] });
  const videoGrant = await grantOn(t, videoLink.token);
  expect(await t.query(api.collections.getByShareGrant, { grantToken: videoGrant })).toBeNull();
  expect(
    await t.mutation(internal.media.openGrant, { grantToken: videoGrant, videoId: videos[1], download: false, request: HEAD }),
  ).toEqual({ ok: false, reason: "missing" });
  expect(
    await t.mutation(internal.media.openGrant, { grantToken: videoGrant, videoId: videos[0], download: false, request: HEAD }),
  ).toMatchObject({ ok: true });
});

test("a video deleted from the library disappears from its collections and their open pages", async () => {
  const { t, alice, videos, collectionId } = await reel();
  const link = await alice.as.mutation(api.shareLinks.create, { collectionId });
  const grantToken = await grantOn(t, link.token);
  await alice.as.mutation(api.videos.remove, { videoId: videos[1] });
  expect((await t.query(api.collections.getByShareGrant, { grantToken }))!.videos.map((v) => v.title)).toEqual(["Cut A", "Cut C"]);
  expect((await alice.as.query(api.collections.get, { collectionId })).videos.map((v) => v.title)).toEqual(["Cut A", "Cut C"]);
  expect(
    (await alice.as.query(api.collections.list, { teamId: (await alice.as.query(api.collections.get, { collectionId })).teamId }))[0]
      .videoCount,
  ).toBe(2);
  // The next edit drops the stale id; the remaining order stands.
  await alice.as.mutation(api.collections.reorder, { collectionId, videoIds: [videos[2], videos[0]] });
  const stored = await t.run((ctx) => ctx.db.get(collectionId));
  expect(stored!.videoIds).toEqual([videos[2], videos[0]]);
});

test("collection links appear in shareLinks.list and the All links page beside video links", async () => {
  const { t, alice, teamId, videos, collectionId } = await reel();
  const videoLink = await alice.as.mutation(api.shareLinks.create, { videoId: videos[0] });
  const collLink = await alice.as.mutation(api.shareLinks.create, { collectionId, label: "Reel" });
  expect((await alice.as.query(api.shareLinks.list, { collectionId })).map((l) => l.linkId)).toEqual([collLink.linkId]);
  expect((await alice.as.query(api.shareLinks.list, { videoId: videos[0] })).map((l) => l.linkId)).toEqual([videoLink.linkId]);
  const all = await alice.as.query(api.teamLinks.list, { teamId });
  expect(all.map((l) => [l.linkId, l.kind, l.videoId, l.collectionId, l.videoTitle])).toEqual([
    [collLink.linkId, "collection", null, collectionId, "Season one"],
    [videoLink.linkId, "video", videos[0], null, "Cut A"],
  ]);
  await alice.as.mutation(api.teamLinks.revokeMany, { teamId, linkIds: [collLink.linkId] });
  expect((await alice.as.query(api.shareLinks.list, { collectionId }))[0].status).toBe("revoked");
  expect(await t.query(api.shareLinks.getByToken, { token: collLink.token })).toEqual({ status: "missing" });
});

test("guests comment on one video of a collection; members see it on that video only", async () => {
  const { t, alice, videos, collectionId } = await reel();
  const link = await alice.as.mutation(api.shareLinks.create, { collectionId, allowComments: true });
  const grantToken = await grantOn(t, link.token);
  const posted = await t.mutation(api.comments.addAsGuest, {
    grantToken,
    videoId: videos[1],
    name: "Dana",
    body: "Music too loud",
    timestampSeconds: 12,
  });
  expect(posted.ok).toBe(true);
  expect(await t.mutation(api.comments.addAsGuest, { grantToken, name: "Dana", body: "which video?" })).toEqual({
    ok: false,
    reason: "missing",
  });
  expect((await alice.as.query(api.comments.getThreaded, { videoId: videos[1] }))[0]).toMatchObject({
    authorName: "Dana",
    isGuest: true,
    timestampSeconds: 12,
  });
  expect(await alice.as.query(api.comments.getThreaded, { videoId: videos[0] })).toEqual([]);
  expect((await t.query(api.comments.getGuestReview, { grantToken, videoId: videos[1] })).threads).toHaveLength(1);
  expect((await t.query(api.comments.getGuestReview, { grantToken, videoId: videos[0] })).threads).toHaveLength(0);
});

test("deleting a collection deletes its links: their grants open nothing", async () => {
  const { t, alice, collectionId } = await reel();
  const link = await alice.as.mutation(api.shareLinks.create, { collectionId });
  const grantToken = await grantOn(t, link.token);
  await alice.as.mutation(api.collections.remove, { collectionId });
  expect(await t.query(api.collections.getByShareGrant, { grantToken })).toBeNull();
  expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "missing" });
  expect(await t.run((ctx) => ctx.db.query("shareLinks").collect())).toEqual([]);
});
