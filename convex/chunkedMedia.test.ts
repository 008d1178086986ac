/** Chunked, resumable uploads (videoUploads.ts) and chunk-aligned media plans (media.ts, lib/ranges.ts). */
import { expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { checksumOfChunks, FULL_BODY_LIMIT } from "./lib/chunks";
import { planBytes } from "./lib/ranges";
import {
  expectCode,
  initConvexTest,
  joinTeam,
  signedInUser,
  storeFile,
  teamWithReadyVideo,
  uploadChunked,
  uploadFor,
  useFrozenClock,
  withMp4Head,
  type TestConvex,
} from "./test.setup";

useFrozenClock();
const CHUNK = 64 * 1024;
const BYTES = withMp4Head(new Uint8Array(CHUNK * 2 + 1000).map((_, i) => (i * 13) % 251));

async function draft() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  const videoId = await alice.as.mutation(api.videos.create, { teamId, title: "Long cut", fileName: "long.mp4" });
  return { t, alice, teamId, videoId };
}

const chunkFiles = (t: TestConvex, videoId: Id<"videos">) =>
  t.run(async (ctx) =>
    (
      await ctx.db
        .query("videoChunks")
        .withIndex("by_video_index", (q) => q.eq("videoId", videoId))
        .collect()
    ).map((c) => c.storageId),
  );

test("a video is stored as ordered chunk files with its size, type and checksum", async () => {
  const { t, alice, videoId } = await draft();
  const ids = await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK });
  expect(ids).toHaveLength(3);
  const video = await t.run((ctx) => ctx.db.get(videoId));
  const digests = await t.run(async (ctx) => Promise.all(ids.map(async (id) => (await ctx.db.system.get(id))!.sha256)));
  expect(video).toMatchObject({
    status: "ready",
    size: BYTES.length,
    chunkSize: CHUNK,
    contentType: "video/mp4",
    storageId: ids[0],
    sha256: await checksumOfChunks(digests),
  });
  expect(video!.uploadPlan).toBeUndefined();
  expect(await chunkFiles(t, videoId)).toEqual(ids);
});

test("resume: the same file keeps the chunks stored so far; a different file is refused; finalize waits for every chunk", async () => {
  const { t, alice, videoId } = await draft();
  await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK, only: [0, 2], finalize: false });
  const missing = await alice.as.action(api.videoUploads.finalizeChunkedUpload, { videoId });
  expect(missing).toMatchObject({ ok: false, code: "UPLOAD_REJECTED" });
  const state = await alice.as.query(api.videoUploads.getUploadState, { videoId });
  expect(state).toMatchObject({ size: BYTES.length, chunkSize: CHUNK, chunkCount: 3, fileName: "long.mp4" });
  expect(state!.chunks.map((c) => c.index)).toEqual([0, 2]);
  await expectCode(
    alice.as.mutation(api.videoUploads.beginChunkedUpload, { videoId, size: BYTES.length + 1, contentType: "video/mp4", chunkSize: CHUNK }),
    "UPLOAD_REJECTED",
  );
  // The resumed upload sends only chunk 1.
  await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK, only: [1] });
  expect(await t.run((ctx) => ctx.db.get(videoId))).toMatchObject({ status: "ready" });
  expect(await chunkFiles(t, videoId)).toHaveLength(3);
});

test("a chunk must be this video's own upload and exactly its size; a retried chunk replaces the earlier file", async () => {
  const { t, alice, teamId, videoId } = await draft();
  await alice.as.mutation(api.videoUploads.beginChunkedUpload, { videoId, size: BYTES.length, contentType: "video/mp4", chunkSize: CHUNK });
  // Stored before any chunk URL was issued for this video.
  const other = await alice.as.mutation(api.videos.create, { teamId, title: "Other", fileName: "o.mp4" });
  const foreign = await uploadFor(t, alice.as, other, BYTES.slice(0, CHUNK), "video/mp4");
  await expectCode(alice.as.mutation(api.videoUploads.attachChunk, { videoId: other, index: 0, storageId: foreign }), "INVALID_ARGUMENT");
  // Another team's member cannot attach this video's chunks.
  const mallory = await signedInUser(t, "Mallory");
  await expectCode(mallory.as.mutation(api.videoUploads.attachChunk, { videoId, index: 0, storageId: foreign }), "NOT_FOUND");
  await alice.as.mutation(api.videoUploads.chunkUploadUrl, { videoId });
  const short = await storeFile(t, BYTES.slice(0, 10), "video/mp4");
  expect(await alice.as.mutation(api.videoUploads.attachChunk, { videoId, index: 0, storageId: short })).toMatchObject({
    ok: false,
    code: "UPLOAD_REJECTED",
  });
  expect(await t.run((ctx) => ctx.db.system.get(short))).toBeNull();
  await expectCode(alice.as.mutation(api.videoUploads.attachChunk, { videoId, index: 3, storageId: foreign }), "INVALID_ARGUMENT");
  const [first] = await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK, only: [0], finalize: false });
  // An attached chunk cannot be attached a second time, here or to another index.
  await expectCode(alice.as.mutation(api.videoUploads.attachChunk, { videoId, index: 1, storageId: first }), "UPLOAD_REJECTED");
  const [again] = await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK, only: [0], finalize: false });
  expect(await t.run((ctx) => ctx.db.system.get(first))).toBeNull();
  expect(await chunkFiles(t, videoId)).toEqual([again]);
});

test("cancel (remove) deletes every stored chunk; the sweep never deletes an unfinished upload's attached chunks", async () => {
  const { t, alice, videoId } = await draft();
  const ids = await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK, only: [0, 1], finalize: false });
  await t.mutation(internal.uploadSweep.sweep, {});
  for (const id of ids) expect(await t.run((ctx) => ctx.db.system.get(id))).not.toBeNull();
  await alice.as.mutation(api.videos.remove, { videoId });
  for (const id of ids) expect(await t.run((ctx) => ctx.db.system.get(id))).toBeNull();
  expect(await chunkFiles(t, videoId)).toEqual([]);
});

test("a declared type outside the video types, or a file over the limit, is refused before any chunk is sent", async () => {
  const { t, alice, videoId } = await draft();
  // The limit the upload form checks first (MAX_UPLOAD_BYTES, 2 GiB by default), for members only.
  expect(await alice.as.query(api.videoUploads.uploadLimits, {})).toEqual({ maxBytes: 2 * 1024 ** 3 });
  await expectCode(t.query(api.videoUploads.uploadLimits, {}), "UNAUTHENTICATED");
  await expectCode(
    alice.as.mutation(api.videoUploads.beginChunkedUpload, { videoId, size: 100, contentType: "text/html" }),
    "UPLOAD_REJECTED",
  );
  await expectCode(
    alice.as.mutation(api.videoUploads.beginChunkedUpload, { videoId, size: 1e13, contentType: "video/mp4" }),
    "UPLOAD_REJECTED",
  );
  await expectCode(
    alice.as.mutation(api.videoUploads.beginChunkedUpload, { videoId, size: 100, contentType: "video/mp4", chunkSize: 1000 }),
    "INVALID_ARGUMENT",
  );
});

async function sharedChunked() {
  const { t, alice, videoId } = await draft();
  const ids = await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK });
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-chunks" });
  if (!grant.ok) throw new Error(grant.reason);
  const open = (range?: string, method = "GET") =>
    t.mutation(internal.media.openGrant, { grantToken: grant.grantToken, download: false, request: { method, range } });
  return { t, alice, ids, open };
}

test("ranges are chunk-aligned: each reads one chunk file; open-ended ranges end at the chunk boundary", async () => {
  const { ids, open } = await sharedChunked();
  expect(await open("bytes=0-")).toMatchObject({ ok: true, parts: [{ storageId: ids[0], from: 0, to: CHUNK }] });
  expect(await open(`bytes=${CHUNK + 5}-`)).toMatchObject({ parts: [{ storageId: ids[1], from: 5, to: CHUNK }] });
  // A range that spans a boundary is cut there.
  expect(await open(`bytes=${CHUNK - 2}-${CHUNK + 2}`)).toMatchObject({ parts: [{ storageId: ids[0], from: CHUNK - 2, to: CHUNK }] });
  expect(await open("bytes=-10")).toMatchObject({ parts: [{ storageId: ids[2], from: 990, to: 1000 }] });
  // A full GET within 20 MiB is assembled from every chunk; HEAD reads none.
  expect(await open()).toMatchObject({ parts: ids.map((storageId, i) => ({ storageId, from: 0, to: i < 2 ? CHUNK : 1000 })) });
  expect(await open(undefined, "HEAD")).toMatchObject({ ok: true, parts: [] });
});

test("a video stored as one file still plays: one chunk, the whole file", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId, storageId } = await teamWithReadyVideo(t, alice);
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-legacy" });
  if (!grant.ok) throw new Error(grant.reason);
  const access = await t.mutation(internal.media.openGrant, {
    grantToken: grant.grantToken,
    download: false,
    request: { method: "GET", range: "bytes=2-" },
  });
  expect(access).toMatchObject({ ok: true, size: 8, chunkSize: 8, parts: [{ storageId, from: 2, to: 8 }] });
});

test("plans: a full GET over 20 MiB must use Range (HEAD still answers); ranges never exceed one chunk", () => {
  const big = { size: FULL_BODY_LIMIT + 1, chunkSize: 8 * 1024 * 1024, sha256: btoa("x".repeat(32)) };
  expect(planBytes({ method: "GET" }, big).kind).toBe("rangeRequired");
  expect(planBytes({ method: "HEAD" }, big)).toMatchObject({ kind: "bytes", status: 200, head: true });
  expect(planBytes({ method: "GET" }, { ...big, size: FULL_BODY_LIMIT })).toMatchObject({ kind: "bytes", status: 200 });
  expect(planBytes({ method: "GET", range: "bytes=0-" }, big)).toMatchObject({ status: 206, start: 0, end: big.chunkSize - 1 });
  expect(planBytes({ method: "GET", range: `bytes=${2 * big.chunkSize + 7}-` }, big)).toMatchObject({
    status: 206,
    start: 2 * big.chunkSize + 7,
    end: big.size - 1,
  });
  // A legacy single file of 30 MiB: ranges at most 8 MiB.
  const legacy = { size: 30 * 1024 * 1024, chunkSize: 30 * 1024 * 1024, sha256: big.sha256 };
  expect(planBytes({ method: "GET", range: "bytes=100-" }, legacy)).toMatchObject({
    status: 206,
    start: 100,
    end: 100 + 8 * 1024 * 1024 - 1,
  });
});

test("a member of another team cannot read the upload state", async () => {
  const { t, alice, videoId } = await draft();
  const bob = await signedInUser(t, "Bob");
  const own = await bob.as.mutation(api.teams.create, { name: "B" });
  await joinTeam(bob, own, await signedInUser(t, "Carol"), "member");
  await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK, only: [0], finalize: false });
  await expectCode(bob.as.query(api.videoUploads.getUploadState, { videoId }), "NOT_FOUND");
});

test("counting: nothing is counted when the answer then fails (a chunk file gone); a served download range is", async () => {
  const { t, alice, ids } = await sharedChunked();
  const videoId = (await t.run((ctx) => ctx.db.query("videos").first()))!._id;
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-count" });
  if (!grant.ok) throw new Error(grant.reason);
  await t.run((ctx) => ctx.storage.delete(ids[1]));
  const counts = () =>
    t.run(async (ctx) => ({ progress: (await ctx.db.query("downloadProgress").collect()).length, link: (await ctx.db.get(link.linkId))! }));
  const failed = await t.fetch(`/media/${grant.grantToken}/download`, { headers: { Range: `bytes=${CHUNK}-` } });
  expect(failed.status).toBe(404);
  const raw = await t.fetch(`/s/${link.token}`, { headers: { Range: `bytes=${CHUNK}-` } });
  expect(raw.status).toBe(404);
  expect(await counts()).toMatchObject({ progress: 0, link: { downloadCount: 0 } });
  const served = await t.fetch(`/media/${grant.grantToken}/download`, { headers: { Range: "bytes=0-" } });
  expect(served.status).toBe(206);
  expect((await served.arrayBuffer()).byteLength).toBe(CHUNK);
  expect(await counts()).toMatchObject({ progress: 1 });
});

test("attach with nextUrl hands back the next chunk's upload URL (one round trip per chunk); a refused chunk gets none", async () => {
  const { t, alice, videoId } = await draft();
  await alice.as.mutation(api.videoUploads.beginChunkedUpload, { videoId, size: BYTES.length, contentType: "video/mp4", chunkSize: CHUNK });
  await alice.as.mutation(api.videoUploads.chunkUploadUrl, { videoId });
  const first = await storeFile(t, BYTES.slice(0, CHUNK), "video/mp4");
  const attached = await alice.as.mutation(api.videoUploads.attachChunk, { videoId, index: 0, storageId: first, nextUrl: true });
  expect(attached).toMatchObject({ ok: true, uploadUrl: expect.any(String) });
  // Without nextUrl: no URL is issued.
  const second = await storeFile(t, BYTES.slice(CHUNK, 2 * CHUNK), "video/mp4");
  const plain = await alice.as.mutation(api.videoUploads.attachChunk, { videoId, index: 1, storageId: second });
  expect(plain.ok && plain.uploadUrl).toBeUndefined();
  const short = await storeFile(t, BYTES.slice(0, 10), "video/mp4");
  const refused = await alice.as.mutation(api.videoUploads.attachChunk, { videoId, index: 2, storageId: short, nextUrl: true });
  expect(refused).toEqual({ ok: false, code: "UPLOAD_REJECTED", message: expect.any(String) });
});

test("the public API reports a chunked video's whole size, not its first chunk file's", async () => {
  const { t, alice, videoId } = await draft();
  await uploadChunked(t, alice.as, videoId, BYTES, { chunkSize: CHUNK });
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const info = await t.fetch(`/api/v1/public/${link.token}`);
  expect(info.status).toBe(200);
  expect(await info.json()).toMatchObject({ kind: "video", size: BYTES.length, content_type: "video/mp4" });
});
