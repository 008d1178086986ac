/** Videos stored as one file are re-chunked (legacyMigration.ts) and then play through the normal chunked path. */
import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { BACKFILL_PAGE } from "./legacyMigration";
import { checksumOfChunks, DEFAULT_CHUNK_SIZE } from "./lib/chunks";
import { fixedChunks } from "./lib/fixedChunks";
import {
  initConvexTest,
  signedInUser,
  storeFile,
  uploadChunked,
  uploadFor,
  useFrozenClock,
  withMp4Head,
  type TestConvex,
} from "./test.setup";

useFrozenClock();
const MiB = 1024 * 1024;
const pattern = (n: number, seed = 0) => withMp4Head(new Uint8Array(n).map((_, i) => (i * 31 + seed + (i >> 16)) % 253));

async function studio() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  return { t, alice, teamId };
}
type Studio = Awaited<ReturnType<typeof studio>>;

/** A video finalized the way videos were before chunking: one storage file, no chunk layout. */
async function legacyVideo({ t, alice, teamId }: Studio, bytes: Uint8Array) {
  const videoId = await alice.as.mutation(api.videos.create, { teamId, title: "Old cut", fileName: "old.mp4" });
  const storageId = await uploadFor(t, alice.as, videoId, bytes, "video/mp4");
  await alice.as.action(api.videos.finalizeUpload, { videoId, storageId, durationSeconds: 5 });
  return { videoId, storageId };
}

const chunkRows = (t: TestConvex, videoId: Id<"videos">) =>
  t.run((ctx) =>
    ctx.db
      .query("videoChunks")
      .withIndex("by_video_index", (q) => q.eq("videoId", videoId))
      .collect(),
  );

async function storedBytes(t: TestConvex, ids: Id<"_storage">[]) {
  const buffers = await t.run(async (ctx) => Promise.all(ids.map(async (id) => await (await ctx.storage.get(id))!.arrayBuffer())));
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}

/** Where two byte arrays first differ (-1: identical); compared by hand, as deep equality on MiBs is slow. */
function firstDifference(a: Uint8Array, b: Uint8Array) {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const snapshot = (t: TestConvex) =>
  t.run(async (ctx) => ({
    videos: await ctx.db.query("videos").collect(),
    chunks: await ctx.db.query("videoChunks").collect(),
    files: await ctx.db.system.query("_storage").collect(),
  }));

async function backfill(t: TestConvex, chunkSize?: number) {
  const first = await t.mutation(internal.legacyMigration.backfill, chunkSize === undefined ? {} : { chunkSize });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  return first;
}

test("a 20 MiB single-file video becomes 8 MiB chunk files, bytes in order, the old file gone; ranges past the first chunk play", async () => {
  const s = await studio();
  const { t, alice } = s;
  const bytes = pattern(20 * MiB + 123);
  const { videoId, storageId } = await legacyVideo(s, bytes);
  expect(await t.run((ctx) => ctx.db.get(videoId))).toMatchObject({ status: "ready", storageId });
  expect((await t.run((ctx) => ctx.db.get(videoId)))!.chunkSize).toBeUndefined();

  expect(await backfill(t)).toEqual({ scheduled: 1, done: true });

  const rows = await chunkRows(t, videoId);
  expect(rows.map((r) => [r.index, r.size])).toEqual([
    [0, DEFAULT_CHUNK_SIZE],
    [1, DEFAULT_CHUNK_SIZE],
    [2, 4 * MiB + 123],
  ]);
  const ids = rows.map((r) => r.storageId);
  expect(firstDifference(await storedBytes(t, ids), bytes)).toBe(-1);
  expect(await t.run((ctx) => ctx.db.system.get(storageId))).toBeNull();
  expect(await t.run((ctx) => ctx.db.get(videoId))).toMatchObject({
    status: "ready",
    storageId: ids[0],
    chunkSize: DEFAULT_CHUNK_SIZE,
    size: bytes.length,
    contentType: "video/mp4",
    sha256: await checksumOfChunks(rows.map((r) => r.sha256)),
  });

  // Playback through the normal gate: a seek into chunk 1 is one chunk-aligned 206 of the right bytes.
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-old" });
  if (!grant.ok) throw new Error(grant.reason);
  const start = 9 * MiB + 5;
  const seek = await t.fetch(`/media/${grant.grantToken}`, { headers: { Range: `bytes=${start}-` } });
  expect(seek.status).toBe(206);
  expect(seek.headers.get("Content-Range")).toBe(`bytes ${start}-${2 * DEFAULT_CHUNK_SIZE - 1}/${bytes.length}`);
  expect(firstDifference(new Uint8Array(await seek.arrayBuffer()), bytes.slice(start, 2 * DEFAULT_CHUNK_SIZE))).toBe(-1);
  const tail = await t.fetch(`/media/${grant.grantToken}`, { headers: { Range: "bytes=-100" } });
  expect(firstDifference(new Uint8Array(await tail.arrayBuffer()), bytes.slice(-100))).toBe(-1);
  // Over 20 MiB: a full GET is told to use Range, as for any chunked video.
  const full = await t.fetch(`/media/${grant.grantToken}`);
  expect(full.status).toBe(400);
  expect(await full.json()).toMatchObject({ error: { code: "RANGE_REQUIRED" } });
}, 60_000);

test("backfill pages through every legacy video; a second run changes nothing; chunked and empty videos are untouched", async () => {
  const s = await studio();
  const { t, alice, teamId } = s;
  const CHUNK = 64 * 1024;
  const legacy = [];
  for (let i = 0; i < BACKFILL_PAGE + 2; i++)
    legacy.push({ ...(await legacyVideo(s, pattern(CHUNK * 2 + 7 * i + 1, i))), bytes: pattern(CHUNK * 2 + 7 * i + 1, i) });
  const chunked = await alice.as.mutation(api.videos.create, { teamId, title: "New cut", fileName: "new.mp4" });
  await uploadChunked(t, alice.as, chunked, pattern(CHUNK * 3 + 1, 99), { chunkSize: CHUNK });
  const empty = await alice.as.mutation(api.videos.create, { teamId, title: "Draft", fileName: "draft.mp4" });
  const before = await t.run(async (ctx) => ({ chunked: await ctx.db.get(chunked), empty: await ctx.db.get(empty) }));
  const chunkedRows = await chunkRows(t, chunked);

  expect(await backfill(t, CHUNK)).toEqual({ scheduled: BACKFILL_PAGE, done: false });
  for (const { videoId, storageId, bytes } of legacy) {
    const rows = await chunkRows(t, videoId);
    expect(rows).toHaveLength(3);
    expect(
      firstDifference(
        await storedBytes(
          t,
          rows.map((r) => r.storageId),
        ),
        bytes,
      ),
    ).toBe(-1);
    expect(await t.run((ctx) => ctx.db.system.get(storageId))).toBeNull();
  }
  expect(await t.run(async (ctx) => ({ chunked: await ctx.db.get(chunked), empty: await ctx.db.get(empty) }))).toEqual(before);
  expect(await chunkRows(t, chunked)).toEqual(chunkedRows);

  const after = await snapshot(t);
  expect(await backfill(t, CHUNK)).toEqual({ scheduled: 0, done: true });
  expect(await snapshot(t)).toEqual(after);
  // Run directly on a chunked video: nothing read, nothing stored.
  expect(await t.action(internal.legacyMigration.rechunk, { videoId: chunked, chunkSize: CHUNK })).toBe("notLegacy");
  expect(await snapshot(t)).toEqual(after);
});

test("a video removed or changed while its chunks were stored keeps its old file; the new chunk files are deleted", async () => {
  const s = await studio();
  const { t } = s;
  const bytes = pattern(200 * 1024);
  const { videoId, storageId } = await legacyVideo(s, bytes);
  const store = () => Promise.all([0, 1].map((i) => storeFile(t, bytes.slice(i * 128 * 1024, (i + 1) * 128 * 1024), "video/mp4")));
  const before = await t.run((ctx) => ctx.db.get(videoId));
  // Another file than the one read: not this legacy video any more.
  const stray = await store();
  const other = await storeFile(t, bytes, "video/mp4");
  expect(await t.mutation(internal.legacyMigration.switchToChunks, { videoId, from: other, chunkSize: 128 * 1024, chunks: stray })).toBe(
    "notLegacy",
  );
  for (const id of stray) expect(await t.run((ctx) => ctx.db.system.get(id))).toBeNull();
  // A chunk file gone meanwhile (swept): the switch is refused.
  const partial = await store();
  await t.run((ctx) => ctx.storage.delete(partial[1]));
  expect(
    await t.mutation(internal.legacyMigration.switchToChunks, { videoId, from: storageId, chunkSize: 128 * 1024, chunks: partial }),
  ).toBe("changed");
  expect(await t.run((ctx) => ctx.db.system.get(partial[0]))).toBeNull();
  expect(await t.run((ctx) => ctx.db.get(videoId))).toEqual(before);
  expect(await t.run((ctx) => ctx.db.system.get(storageId))).not.toBeNull();
  expect(await chunkRows(t, videoId)).toEqual([]);
});

test("fixedChunks cuts a stream of uneven pieces into exact sizes, in order", async () => {
  const bytes = pattern(1000);
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const [a, b] of [
        [0, 3],
        [3, 300],
        [300, 301],
        [301, 1000],
      ])
        c.enqueue(bytes.slice(a, b));
      c.close();
    },
  });
  const pieces: Uint8Array[] = [];
  for await (const piece of fixedChunks(stream, 256)) pieces.push(piece.slice());
  expect(pieces.map((p) => p.length)).toEqual([256, 256, 256, 232]);
  expect(new Uint8Array(pieces.flatMap((p) => [...p]))).toEqual(bytes);
});
