/** Issue 15: the stored bytes must be a video container (lib/containers.ts), checked when a chunked upload finalizes. */
import { expect, test } from "vitest";
import { api, internal } from "./_generated/api";
import { containerOf, readHead, typeFor } from "./lib/containers";
import { expectCode, initConvexTest, signedInUser, storeFile, uploadChunked, uploadFor, withMp4Head } from "./test.setup";

const CHUNK = 64 * 1024;
const TEXT = new TextEncoder().encode("this is not a video at all!!");

async function draft(fileName = "notes.mp4") {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  const videoId = await alice.as.mutation(api.videos.create, { teamId, title: "Notes", fileName });
  return { t, alice, teamId, videoId };
}

test("a 28-byte text file named .mp4 is refused with NOT_A_VIDEO: its chunks are removed, the video is failed and cannot be shared", async () => {
  expect(TEXT.length).toBe(28);
  const { t, alice, teamId, videoId } = await draft();
  const [chunk] = await uploadChunked(t, alice.as, videoId, TEXT, { chunkSize: CHUNK, finalize: false });
  await expectCode(alice.as.action(api.videoUploads.finalizeChunkedUpload, { videoId }), "NOT_A_VIDEO");
  expect(await t.run((ctx) => ctx.db.system.get(chunk))).toBeNull();
  expect(await t.run((ctx) => ctx.db.query("videoChunks").collect())).toEqual([]);
  const listed = await alice.as.query(api.videos.list, { teamId });
  expect(listed).toHaveLength(1);
  expect(listed[0]).toMatchObject({ status: "failed" });
  expect(await alice.as.query(api.videos.get, { videoId })).toMatchObject({
    status: "failed",
    failureReason: expect.stringContaining("notes.mp4 is not a video file"),
  });
  await expectCode(alice.as.mutation(api.shareLinks.create, { videoId }), "VIDEO_NOT_READY");
  // Finalizing again is refused: the upload is over.
  await expectCode(alice.as.action(api.videoUploads.finalizeChunkedUpload, { videoId }), "INVALID_ARGUMENT");
});

test("a single-file upload (videos.finalizeUpload) is checked the same way: text named .mp4 is refused and deleted", async () => {
  const { t, alice, videoId } = await draft();
  const storageId = await uploadFor(t, alice.as, videoId, TEXT, "video/mp4");
  await expectCode(alice.as.action(api.videos.finalizeUpload, { videoId, storageId }), "NOT_A_VIDEO");
  expect(await t.run((ctx) => ctx.db.system.get(storageId))).toBeNull();
  expect(await alice.as.query(api.videos.get, { videoId })).toMatchObject({ status: "failed", contentType: null });
  // Another team's member cannot have someone's file read: refused before any byte is.
  const other = await draft("mine.mp4");
  const theirs = await uploadFor(other.t, other.alice.as, other.videoId, withMp4Head(new Uint8Array(16)), "video/mp4");
  const mallory = await signedInUser(other.t, "Mallory");
  await expectCode(mallory.as.action(api.videos.finalizeUpload, { videoId: other.videoId, storageId: theirs }), "NOT_FOUND");
  expect(await other.alice.as.action(api.videos.finalizeUpload, { videoId: other.videoId, storageId: theirs })).toEqual({ ok: true });
});

test("the message names the file and the containers accepted", async () => {
  const { t, alice, videoId } = await draft();
  await uploadChunked(t, alice.as, videoId, TEXT, { chunkSize: CHUNK, finalize: false });
  await expect(alice.as.action(api.videoUploads.finalizeChunkedUpload, { videoId })).rejects.toMatchObject({
    data: { code: "NOT_A_VIDEO", message: expect.stringMatching(/^notes\.mp4 is not a video file: .*MP4.*WebM/) },
  });
});

test("an MP4 and a WebM are accepted; a WebM declared as video/mp4 is served as video/webm", async () => {
  const mp4 = await draft("cut.mp4");
  await uploadChunked(mp4.t, mp4.alice.as, mp4.videoId, withMp4Head(new Uint8Array(CHUNK + 5)), { chunkSize: CHUNK });
  expect(await mp4.alice.as.query(api.videos.get, { videoId: mp4.videoId })).toMatchObject({ status: "ready", contentType: "video/mp4" });

  const webm = await draft("cut.mp4");
  const bytes = new Uint8Array(300);
  bytes.set([0x1a, 0x45, 0xdf, 0xa3]);
  await uploadChunked(webm.t, webm.alice.as, webm.videoId, bytes, { chunkSize: CHUNK, type: "video/mp4" });
  expect(await webm.alice.as.query(api.videos.get, { videoId: webm.videoId })).toMatchObject({
    status: "ready",
    contentType: "video/webm",
  });
});

test("only the first chunk's head is checked, and a chunk replaced between the read and the commit is refused without loss", async () => {
  const { t, alice, videoId } = await draft("cut.mp4");
  const bytes = withMp4Head(new Uint8Array(CHUNK * 2));
  const [first] = await uploadChunked(t, alice.as, videoId, bytes, { chunkSize: CHUNK, finalize: false });
  const stale = await storeFile(t, new Uint8Array(4), "video/mp4");
  const raced = await alice.as.mutation(internal.videoUploads.completeChunkedUpload, { videoId, firstChunk: stale, container: "isoBmff" });
  expect(raced).toMatchObject({ ok: false, code: "UPLOAD_REJECTED" });
  expect(await t.run((ctx) => ctx.db.system.get(first))).not.toBeNull();
  expect(await alice.as.query(api.videos.get, { videoId })).toMatchObject({ status: "uploading" });
  // Another user cannot run the internal steps on Alice's video.
  const mallory = await signedInUser(t, "Mallory");
  await expectCode(mallory.as.query(internal.videoUploads.checkFinalize, { videoId }), "NOT_FOUND");
  expect(await alice.as.action(api.videoUploads.finalizeChunkedUpload, { videoId })).toEqual({ ok: true });
});

test("signatures: ftyp at offset 4 with a box big enough for its brand, the EBML header, OggS", () => {
  const ascii = (text: string) => new TextEncoder().encode(text);
  expect(containerOf(withMp4Head(new Uint8Array(12)))).toBe("isoBmff");
  expect(containerOf(new Uint8Array([0, 0, 0, 2, ...ascii("ftypisom")]))).toBeNull();
  expect(containerOf(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1]))).toBe("matroska");
  expect(containerOf(ascii("OggS\0\x02"))).toBe("ogg");
  expect(containerOf(ascii("<html><body>"))).toBeNull();
  expect(containerOf(new Uint8Array(3))).toBeNull();
  expect(typeFor("isoBmff", "video/quicktime")).toBe("video/quicktime");
  expect(typeFor("matroska", "video/mp4")).toBe("video/webm");
});

test("readHead reads the stream once, stops after the head and cancels it, even when it arrives byte by byte", async () => {
  let pulls = 0;
  let cancelled = false;
  const blobOver = (piece: number) =>
    ({
      stream: () =>
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulls++;
            controller.enqueue(new Uint8Array(piece).fill(pulls));
          },
          cancel() {
            cancelled = true;
          },
        }),
    }) as unknown as Blob;
  expect(await readHead(blobOver(64 * 1024))).toEqual(new Uint8Array(12).fill(1));
  expect(pulls).toBeLessThanOrEqual(2);
  expect(cancelled).toBe(true);
  pulls = 0;
  expect(await readHead(blobOver(1), 5)).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
  // Shorter than the head: what there is.
  expect(await readHead(new Blob([new Uint8Array([7, 8])]))).toEqual(new Uint8Array([7, 8]));
});
