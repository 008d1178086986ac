/**
 * Chunked media over real HTTP against the embedded backend, which enforces Convex's rules
 * (storage Blobs read once, no Buffer): chunk-aligned 206s, full GETs assembled from chunks up
 * to 20 MiB, RANGE_REQUIRED beyond, and a ranged download loop that reassembles the file.
 */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { APP_PROJECT, signUp, uploadChunkedVideo, withMp4Head } from "./appTesting";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";

const CHUNK = 256 * 1024;
const SMALL = withMp4Head(new Uint8Array(CHUNK * 3 + 12_345).map((_, i) => (i * 31 + (i >> 9)) % 256));
const MIB = 1024 * 1024;
/** Byte equality without vitest's element-by-element diff (slow on megabytes). */
const same = (a: Uint8Array, b: Uint8Array) => expect(a.length === b.length && Buffer.compare(a, b) === 0).toBe(true);
let backend: RunningBackend;
let member: ConvexHttpClient;
let teamId: Id<"teams">;

beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT, testClock: true });
  member = (await signUp(backend, "chunks@example.com", "Chuck")).http;
  teamId = await member.mutation(api.teams.create, { name: "Chunks" });
}, 60_000);
afterAll(async () => backend?.stop());

async function mediaOf(videoId: Id<"videos">, allowDownload = false) {
  const link = await member.mutation(api.shareLinks.create, { videoId, allowDownload });
  const anon = new ConvexHttpClient(backend.cloudUrl);
  const grant = await anon.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "chunk-viewer" });
  if (!grant.ok) throw new Error(grant.reason);
  return { link, media: `${backend.siteUrl}/media/${grant.grantToken}` };
}

test("chunk-aligned 206s (bytes=N- ends at the chunk boundary), a full GET assembled from every chunk, HEAD", async () => {
  const { videoId } = await uploadChunkedVideo(member, teamId, SMALL, { chunkSize: CHUNK });
  const { media } = await mediaOf(videoId);
  const open = await fetch(media, { headers: { Range: `bytes=${CHUNK + 100}-` } });
  expect(open.status).toBe(206);
  expect(open.headers.get("content-range")).toBe(`bytes ${CHUNK + 100}-${2 * CHUNK - 1}/${SMALL.length}`);
  same(new Uint8Array(await open.arrayBuffer()), SMALL.slice(CHUNK + 100, 2 * CHUNK));
  const first = await fetch(media, { headers: { Range: "bytes=0-" } });
  expect(first.status).toBe(206);
  expect(first.headers.get("content-range")).toBe(`bytes 0-${CHUNK - 1}/${SMALL.length}`);
  await first.arrayBuffer();
  const across = await fetch(media, { headers: { Range: `bytes=${CHUNK - 10}-${CHUNK + 10}` } });
  expect(across.headers.get("content-range")).toBe(`bytes ${CHUNK - 10}-${CHUNK - 1}/${SMALL.length}`);
  expect(new Uint8Array(await across.arrayBuffer())).toEqual(SMALL.slice(CHUNK - 10, CHUNK));
  const tail = await fetch(media, { headers: { Range: "bytes=-100" } });
  expect(new Uint8Array(await tail.arrayBuffer())).toEqual(SMALL.slice(-100));
  const full = await fetch(media);
  expect(full.status).toBe(200);
  expect(full.headers.get("content-length")).toBe(String(SMALL.length));
  same(new Uint8Array(await full.arrayBuffer()), SMALL);
  const head = await fetch(media, { method: "HEAD" });
  expect([head.status, head.headers.get("content-length")]).toEqual([200, String(SMALL.length)]);
  const etag = full.headers.get("etag")!;
  expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
  expect((await fetch(media, { headers: { "If-None-Match": etag } })).status).toBe(304);
});

test("over 20 MiB: a full GET is RANGE_REQUIRED (documented), ranges still play, a ranged loop rebuilds the file", async () => {
  const big = new Uint8Array(21 * MIB);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 20)) % 256;
  withMp4Head(big);
  const { videoId } = await uploadChunkedVideo(member, teamId, big, { chunkSize: 8 * MIB, parallel: 3 });
  const { media } = await mediaOf(videoId, true);
  const whole = await fetch(media);
  expect(whole.status).toBe(400);
  expect(await whole.json()).toEqual({ error: { code: "RANGE_REQUIRED", message: expect.stringContaining("Range") } });
  // Seek to 90 %.
  const at = Math.floor(big.length * 0.9);
  const seek = await fetch(media, { headers: { Range: `bytes=${at}-` } });
  expect(seek.status).toBe(206);
  expect(seek.headers.get("content-range")).toBe(`bytes ${at}-${big.length - 1}/${big.length}`);
  same(new Uint8Array(await seek.arrayBuffer()), big.slice(at));
  // The download loop: ask from the next byte until Content-Range's total is reached.
  const parts: Uint8Array[] = [];
  let next = 0;
  let total = Infinity;
  while (next < total) {
    const res = await fetch(`${media}/download`, { headers: { Range: `bytes=${next}-` } });
    expect(res.status).toBe(206);
    const [, end, size] = /bytes \d+-(\d+)\/(\d+)/.exec(res.headers.get("content-range")!)!;
    expect(Number(end) - next + 1).toBeLessThanOrEqual(8 * MIB);
    parts.push(new Uint8Array(await res.arrayBuffer()));
    next = Number(end) + 1;
    total = Number(size);
  }
  expect(parts).toHaveLength(3);
  const rebuilt = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) rebuilt.set(p, (offset += p.length) - p.length);
  same(rebuilt, big);
}, 60_000);

test("a 28-byte text file named .mp4 is refused when its upload finalizes (NOT_A_VIDEO): never ready, cannot be shared", async () => {
  const text = new TextEncoder().encode("this is not a video at all!!");
  await expect(uploadChunkedVideo(member, teamId, text, { chunkSize: CHUNK, title: "Notes", fileName: "notes.mp4" })).rejects.toMatchObject(
    {
      data: { code: "NOT_A_VIDEO", message: expect.stringContaining("notes.mp4 is not a video file") },
    },
  );
  const notes = (await member.query(api.videos.list, { teamId })).filter((v) => v.title === "Notes");
  expect(notes).toMatchObject([{ status: "failed" }]);
  await expect(member.mutation(api.shareLinks.create, { videoId: notes[0].videoId })).rejects.toMatchObject({
    data: { code: "VIDEO_NOT_READY" },
  });
  expect(await member.query(api.videoUploads.getUploadState, { videoId: notes[0].videoId })).toBeNull();
});

// Runs last: it moves the backend clock past a viewing's idle window.
test("raw link: a player's series of Range requests (several from byte 0) counts one view; a new viewing after a pause counts again", async () => {
  const { videoId } = await uploadChunkedVideo(member, teamId, SMALL, { chunkSize: CHUNK });
  const link = await member.mutation(api.shareLinks.create, { videoId });
  const raw = `${backend.siteUrl}/s/${link.token}`;
  const views = async () => (await member.query(api.shareLinks.list, { videoId })).find((l) => l.linkId === link.linkId)!.viewCount;
  for (const range of ["bytes=0-", "bytes=0-1", `bytes=${2 * CHUNK}-`, "bytes=0-", `bytes=${CHUNK}-`, "bytes=0-"]) {
    const res = await fetch(raw, { headers: { Range: range } });
    expect(res.status).toBe(206);
    await res.arrayBuffer();
  }
  expect(await views()).toBe(1);
  // A HEAD or a mid-file request after the pause starts no viewing; the next play from byte 0 does.
  await backend.advanceClock(31 * 60 * 1000);
  expect((await fetch(raw, { method: "HEAD" })).status).toBe(200);
  await (await fetch(raw, { headers: { Range: `bytes=${CHUNK}-` } })).arrayBuffer();
  expect(await views()).toBe(1);
  await (await fetch(raw, { headers: { Range: "bytes=0-" } })).arrayBuffer();
  await (await fetch(raw, { headers: { Range: "bytes=0-" } })).arrayBuffer();
  expect(await views()).toBe(2);
});
