import { expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { dumpTables, expectCode, initConvexTest, joinTeam, signedInUser, teamWithReadyVideo, uploadFor } from "./test.setup";

test("upload: create → finalize with a video file makes it ready with its metadata", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  const video = await alice.as.query(api.videos.get, { videoId });
  expect(video).toMatchObject({ teamId, status: "ready", contentType: "video/mp4", size: 8, durationSeconds: 12 });
  // No storage URL reaches the browser (members play through playback.openPlayback).
  expect(JSON.stringify(video)).not.toMatch(/https?:/);
  expect(typeof (await alice.as.mutation(api.videos.generateUploadUrl, { videoId, purpose: "poster" }))).toBe("string");
  // The video's own file is in: no second upload URL for it.
  await expectCode(alice.as.mutation(api.videos.generateUploadUrl, { videoId }), "INVALID_ARGUMENT");
  expect((await alice.as.query(api.videos.list, { teamId })).map((v) => v.videoId)).toEqual([videoId]);
});

test("finalize refuses a non-video file: the file is deleted and the video marked failed", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  const videoId = await alice.as.mutation(api.videos.create, { teamId, title: "T", fileName: "t.txt" });
  const storageId = await uploadFor(t, alice.as, videoId, new TextEncoder().encode("hello"), "text/plain");
  const result = await alice.as.action(api.videos.finalizeUpload, { videoId, storageId });
  expect(result).toMatchObject({ ok: false, code: "UPLOAD_REJECTED" });
  expect(await t.run((ctx) => ctx.db.system.get(storageId))).toBeNull();
  expect(await alice.as.query(api.videos.get, { videoId })).toMatchObject({ status: "failed" });
  await expectCode(alice.as.action(api.videos.finalizeUpload, { videoId, storageId }), "INVALID_ARGUMENT");
});

test("finalize refuses a file over the size limit", async () => {
  const t = initConvexTest();
  vi.stubEnv("MAX_UPLOAD_BYTES", "4");
  try {
    const alice = await signedInUser(t, "Alice");
    const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
    const videoId = await alice.as.mutation(api.videos.create, { teamId, title: "T", fileName: "t.mp4" });
    const storageId = await uploadFor(t, alice.as, videoId, new Uint8Array(5), "video/mp4");
    const result = await alice.as.action(api.videos.finalizeUpload, { videoId, storageId });
    expect(result).toMatchObject({ ok: false, code: "UPLOAD_REJECTED", message: expect.stringContaining("limit") });
  } finally {
    vi.unstubAllEnvs();
  }
});

test("posters must be images; a client-side failure marks the upload failed", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  const bad = await uploadFor(t, alice.as, videoId, new Uint8Array(3), "video/mp4", "poster");
  expect(await alice.as.mutation(api.videos.setPoster, { videoId, storageId: bad })).toMatchObject({ ok: false });
  const poster = await uploadFor(t, alice.as, videoId, new Uint8Array(3), "image/png", "poster");
  expect(await alice.as.mutation(api.videos.setPoster, { videoId, storageId: poster })).toEqual({ ok: true });
  expect((await alice.as.query(api.videos.get, { videoId })).hasPoster).toBe(true);

  const teamId = (await alice.as.query(api.videos.get, { videoId })).teamId;
  const pending = await alice.as.mutation(api.videos.create, { teamId, title: "P", fileName: "p.mp4" });
  await alice.as.mutation(api.videos.markUploadFailed, { videoId: pending, reason: "Cancelled" });
  expect(await alice.as.query(api.videos.get, { videoId: pending })).toMatchObject({ status: "failed", failureReason: "Cancelled" });
});

test("viewers can watch but not upload or edit; non-members see nothing", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const vera = await signedInUser(t, "Vera");
  const eve = await signedInUser(t, "Eve");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  await joinTeam(alice, teamId, vera, "viewer");
  expect(await vera.as.query(api.videos.list, { teamId })).toHaveLength(1);
  await expectCode(vera.as.mutation(api.videos.create, { teamId, title: "x", fileName: "x.mp4" }), "FORBIDDEN");
  await expectCode(vera.as.mutation(api.videos.update, { videoId, title: "x" }), "FORBIDDEN");
  await expectCode(vera.as.mutation(api.videos.remove, { videoId }), "FORBIDDEN");
  await expectCode(eve.as.query(api.videos.get, { videoId }), "NOT_FOUND");
  await expectCode(eve.as.query(api.videos.list, { teamId }), "NOT_FOUND");
  await expectCode(eve.as.mutation(api.videos.generateUploadUrl, { videoId }), "NOT_FOUND");
});

test("bad titles and durations are refused and change nothing", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  const before = await dumpTables(t);
  await expectCode(alice.as.mutation(api.videos.create, { teamId, title: " ", fileName: "a.mp4" }), "INVALID_ARGUMENT");
  await expectCode(alice.as.mutation(api.videos.update, { videoId, title: "" }), "INVALID_ARGUMENT");
  const pending = alice.as.mutation(api.videos.create, { teamId, title: "ok", fileName: "a.mp4" });
  const pendingId = await pending;
  const storageId = await uploadFor(t, alice.as, pendingId, new Uint8Array(2), "video/mp4");
  const mid = await dumpTables(t);
  await expectCode(alice.as.action(api.videos.finalizeUpload, { videoId: pendingId, storageId, durationSeconds: -1 }), "INVALID_ARGUMENT");
  expect(await dumpTables(t)).toEqual(mid);
  expect(before.videos).toHaveLength(1);
});

test("deleting a video removes its comments, links and grants in batches", async () => {
  vi.useFakeTimers();
  try {
    const t = initConvexTest();
    const alice = await signedInUser(t, "Alice");
    const { videoId } = await teamWithReadyVideo(t, alice);
    for (let i = 0; i < 130; i++) {
      await t.run((ctx) => ctx.db.insert("comments", { videoId, authorId: alice.userId, body: `c${i}` }));
    }
    const link = await alice.as.mutation(api.shareLinks.create, { videoId });
    const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
    expect(grant.ok).toBe(true);
    await alice.as.mutation(api.videos.remove, { videoId });
    // Access ends at once, before the batches run.
    expect(await t.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "missing" });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const left = await dumpTables(t);
    expect([left.videos, left.comments, left.shareLinks, left.shareGrants]).toEqual([[], [], [], []]);
  } finally {
    vi.useRealTimers();
  }
});
