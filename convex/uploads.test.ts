/** Uploads are bound to the video they were issued for; stray files are swept (issue: storage ids across teams). */
import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { UPLOAD_GRACE_MS, UPLOAD_URL_TTL_MS } from "./lib/uploads";
import {
  dumpTables,
  expectCode,
  joinTeam,
  signedInUser,
  storeFile,
  teamWithReadyVideo,
  uploadFor,
  useFrozenClock,
  initConvexTest,
} from "./test.setup";

useFrozenClock();
const MP4 = new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]);

async function twoTeams() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const victim = await teamWithReadyVideo(t, alice);
  const mallory = await signedInUser(t, "Mallory");
  const own = await mallory.as.mutation(api.teams.create, { name: "Mallory's" });
  const vera = await signedInUser(t, "Vera");
  await joinTeam(mallory, own, vera, "member");
  const draft = await vera.as.mutation(api.videos.create, { teamId: own, title: "Stolen", fileName: "s.mp4" });
  return { t, alice, victim, mallory, vera, own, draft };
}

test("another team's storage id is refused by finalizeUpload and setPoster, and nothing is deleted", async () => {
  const { t, alice, victim, vera, draft } = await twoTeams();
  await vera.as.mutation(api.videos.generateUploadUrl, { videoId: draft });
  await vera.as.mutation(api.videos.generateUploadUrl, { videoId: draft, purpose: "poster" });
  const before = await dumpTables(t);
  await expectCode(vera.as.action(api.videos.finalizeUpload, { videoId: draft, storageId: victim.storageId }), "UPLOAD_REJECTED");
  await expectCode(vera.as.mutation(api.videos.setPoster, { videoId: draft, storageId: victim.storageId }), "UPLOAD_REJECTED");
  expect(await dumpTables(t)).toEqual(before);
  expect(await t.run((ctx) => ctx.db.system.get(victim.storageId))).not.toBeNull();
  expect(await alice.as.query(api.videos.get, { videoId: victim.videoId })).toMatchObject({ status: "ready" });
});

test("a file needs an upload session of that very video, opened before it was stored; its use is spent once attached", async () => {
  const { t, vera, own, draft } = await twoTeams();
  // Stored with no upload URL issued for this video.
  const early = await storeFile(t, MP4, "video/mp4");
  await expectCode(vera.as.action(api.videos.finalizeUpload, { videoId: draft, storageId: early }), "UPLOAD_REJECTED");
  // Issued for another video of the same team.
  const other = await vera.as.mutation(api.videos.create, { teamId: own, title: "Other", fileName: "o.mp4" });
  const forOther = await uploadFor(t, vera.as, other, MP4, "video/mp4");
  await expectCode(vera.as.action(api.videos.finalizeUpload, { videoId: draft, storageId: forOther }), "UPLOAD_REJECTED");
  // Issued for the poster, not the video.
  const asPoster = await uploadFor(t, vera.as, draft, MP4, "video/mp4", "poster");
  await expectCode(vera.as.action(api.videos.finalizeUpload, { videoId: draft, storageId: asPoster }), "UPLOAD_REJECTED");
  // The real thing works, once; the same file cannot then become another video's.
  const own1 = await uploadFor(t, vera.as, draft, MP4, "video/mp4");
  expect(await vera.as.action(api.videos.finalizeUpload, { videoId: draft, storageId: own1 })).toEqual({ ok: true });
  await vera.as.mutation(api.videos.generateUploadUrl, { videoId: other });
  await expectCode(vera.as.action(api.videos.finalizeUpload, { videoId: other, storageId: own1 }), "UPLOAD_REJECTED");
  // An upload URL expires: a file stored long after is refused.
  const late = await vera.as.mutation(api.videos.create, { teamId: own, title: "Late", fileName: "l.mp4" });
  await vera.as.mutation(api.videos.generateUploadUrl, { videoId: late });
  vi.advanceTimersByTime(UPLOAD_URL_TTL_MS + UPLOAD_GRACE_MS + 1000);
  const stale = await storeFile(t, MP4, "video/mp4");
  await expectCode(vera.as.action(api.videos.finalizeUpload, { videoId: late, storageId: stale }), "UPLOAD_REJECTED");
});

test("only video and image types that can never run as script are accepted, parameters dropped", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  for (const type of ["video/mp4,text/html", "text/html", "video/svg+xml", "application/octet-stream", "video/"]) {
    const draft = await alice.as.mutation(api.videos.create, { teamId, title: type, fileName: "x.mp4" });
    const storageId = await uploadFor(t, alice.as, draft, new TextEncoder().encode("<script>alert(1)</script>"), type);
    expect(await alice.as.action(api.videos.finalizeUpload, { videoId: draft, storageId })).toMatchObject({
      ok: false,
      code: "UPLOAD_REJECTED",
    });
    expect(await t.run((ctx) => ctx.db.system.get(storageId))).toBeNull();
  }
  const svg = await uploadFor(t, alice.as, videoId, new TextEncoder().encode("<svg onload=alert(1)>"), "image/svg+xml", "poster");
  expect(await alice.as.mutation(api.videos.setPoster, { videoId, storageId: svg })).toMatchObject({ ok: false });
  const draft = await alice.as.mutation(api.videos.create, { teamId, title: "ok", fileName: "x.webm" });
  const webm = await uploadFor(t, alice.as, draft, new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), "Video/WebM; codecs=vp9");
  expect(await alice.as.action(api.videos.finalizeUpload, { videoId: draft, storageId: webm })).toEqual({ ok: true });
  expect(await alice.as.query(api.videos.get, { videoId: draft })).toMatchObject({ contentType: "video/webm" });
});

test("the sweep deletes files that were never attached, keeps attached and in-flight ones, and fails stale uploads", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId, storageId: attached } = await teamWithReadyVideo(t, alice);
  const abandoned = await alice.as.mutation(api.videos.create, { teamId, title: "Abandoned", fileName: "a.mp4" });
  const stray = await uploadFor(t, alice.as, abandoned, MP4, "video/mp4");
  const secondPost = await storeFile(t, MP4, "video/mp4"); // a second POST through a spent URL
  vi.advanceTimersByTime(UPLOAD_URL_TTL_MS + UPLOAD_GRACE_MS + 60_000);
  // An upload in progress right now: its file must survive the sweep.
  const current = await alice.as.mutation(api.videos.create, { teamId, title: "Current", fileName: "c.mp4" });
  const inFlight = await uploadFor(t, alice.as, current, MP4, "video/mp4");
  const result = await t.mutation(internal.uploadSweep.sweep, {});
  expect(result.filesDeleted).toBe(2);
  const exists = (id: typeof stray) => t.run(async (ctx) => (await ctx.db.system.get(id)) !== null);
  expect([await exists(stray), await exists(secondPost), await exists(attached), await exists(inFlight)]).toEqual([
    false,
    false,
    true,
    true,
  ]);
  vi.advanceTimersByTime(UPLOAD_URL_TTL_MS);
  await t.mutation(internal.uploadSweep.sweep, {});
  expect(await alice.as.query(api.videos.get, { videoId: abandoned })).toMatchObject({ status: "failed" });
  expect(await alice.as.query(api.videos.get, { videoId })).toMatchObject({ status: "ready" });
  expect(await alice.as.action(api.videos.finalizeUpload, { videoId: current, storageId: inFlight })).toEqual({ ok: true });
});

test("upload URLs are rate-limited per user", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "S" });
  let refused = 0;
  for (let i = 0; i < 65; i++) {
    const draft = await alice.as.mutation(api.videos.create, { teamId, title: `v${i}`, fileName: "v.mp4" });
    await alice.as.mutation(api.videos.generateUploadUrl, { videoId: draft }).catch(() => refused++);
  }
  expect(refused).toBe(5);
});
