/// <reference types="vite/client" />
/** The one test setup for Convex functions: modules, components and test identities. */
import rateLimiterTest from "@convex-dev/rate-limiter/test";
import { convexTest } from "convex-test";
import { afterEach, beforeEach, expect, vi } from "vitest";
import type { FunctionArgs } from "convex/server";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import schema from "./schema";

export const modules = import.meta.glob("./**/!(*.*.*)*.*s");

process.env.SHARE_TOKEN_SECRET ??= "test-secret-test-secret-test-secret-0123456789";
process.env.SITE_URL ??= "http://app.test";
process.env.CONVEX_SITE_URL ??= "http://site.test";

export function initConvexTest() {
  const t = convexTest(schema, modules);
  rateLimiterTest.register(t);
  return t;
}
export type TestConvex = ReturnType<typeof initConvexTest>;

/** A signed-in user with a display name and a live session; `as` runs functions as them. */
export async function signedInUser(t: TestConvex, name: string) {
  const email = `${name.toLowerCase()}@example.com`;
  const { userId, sessionId } = await t.run(async (ctx) => {
    const userId = await ctx.db.insert("users", { name, email });
    const sessionId = await ctx.db.insert("authSessions", { userId, expirationTime: Date.now() + 30 * 24 * 3600_000 });
    return { userId, sessionId };
  });
  return { userId, sessionId, email, as: t.withIdentity({ subject: `${userId}|${sessionId}`, name }) };
}

/** `user` joins the team through the real invitation path: `inviter` invites, `user` accepts the link. */
export async function joinTeam(
  inviter: Awaited<ReturnType<typeof signedInUser>>,
  teamId: Id<"teams">,
  user: Awaited<ReturnType<typeof signedInUser>>,
  role: "owner" | "admin" | "member" | "viewer",
) {
  const { url } = await inviter.as.mutation(api.teams.invite, { teamId, email: user.email, role });
  await user.as.mutation(api.invites.accept, { token: url.split("/invite/")[1] });
}

/** An ISO base media `ftyp` box (24 bytes, brand isom): what every MP4 starts with (convex/lib/containers.ts checks it). */
const MP4_HEAD = [0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d];

/** The bytes with an MP4 header written over their start (in place), so the server takes them for a video. */
export function withMp4Head(bytes: Uint8Array): Uint8Array {
  bytes.set(MP4_HEAD.slice(0, bytes.length));
  return bytes;
}

/**
 * Stores a file in convex-test's storage and returns its id. convex-test does not record
 * the content type the way Convex does, so it is written into the `_storage` row here.
 */
export async function storeFile(t: TestConvex, bytes: Uint8Array, type: string) {
  return await t.run(async (ctx) => {
    const storageId = await ctx.storage.store(new Blob([bytes as BlobPart], { type }));
    await (ctx.db as unknown as { patch(id: string, v: object): Promise<void> }).patch(storageId, { contentType: type });
    return storageId;
  });
}

/** An upload as the browser makes it: an upload URL for the video (opening its session), then the file. */
export async function uploadFor(
  t: TestConvex,
  as: Awaited<ReturnType<typeof signedInUser>>["as"],
  videoId: Id<"videos">,
  bytes: Uint8Array,
  type: string,
  purpose: "video" | "poster" = "video",
) {
  await as.mutation(api.videos.generateUploadUrl, { videoId, purpose });
  return await storeFile(t, bytes, type);
}

/**
 * A chunked upload as the browser makes it (videoUploads.ts): declare the file, then per chunk an
 * upload URL, the chunk's bytes stored, and attach; finalize unless `finalize: false`.
 */
export async function uploadChunked(
  t: TestConvex,
  as: Awaited<ReturnType<typeof signedInUser>>["as"],
  videoId: Id<"videos">,
  bytes: Uint8Array,
  opts: { chunkSize: number; type?: string; only?: number[]; finalize?: boolean },
) {
  const type = opts.type ?? "video/mp4";
  const state = await as.mutation(api.videoUploads.beginChunkedUpload, {
    videoId,
    size: bytes.length,
    contentType: type,
    chunkSize: opts.chunkSize,
  });
  const indices = opts.only ?? Array.from({ length: state.chunkCount }, (_, i) => i);
  const storageIds: Id<"_storage">[] = [];
  for (const index of indices) {
    await as.mutation(api.videoUploads.chunkUploadUrl, { videoId });
    const storageId = await storeFile(t, bytes.slice(index * opts.chunkSize, (index + 1) * opts.chunkSize), type);
    const attached = await as.mutation(api.videoUploads.attachChunk, { videoId, index, storageId });
    if (!attached.ok) throw new Error(attached.message);
    storageIds.push(storageId);
  }
  if (opts.finalize !== false) {
    const done = await as.action(api.videoUploads.finalizeChunkedUpload, { videoId, durationSeconds: 60 });
    if (!done.ok) throw new Error(done.message);
  }
  return storageIds;
}

/**
 * A media request as the HTTP route makes it (http.ts serveMedia): open the grant, then record
 * what the answer counts (media.ts recordServed) as the bytes go out. The access, or the refusal.
 */
export async function openGrantServed(t: TestConvex, args: FunctionArgs<typeof internal.media.openGrant>) {
  const access = await t.mutation(internal.media.openGrant, args);
  if (!access.ok || !access.count) return access;
  const refused = await t.mutation(internal.media.recordServed, { count: access.count, storageId: access.storageId, size: access.size });
  return refused ?? access;
}

/** A team owned by `owner` with a ready video in it. */
export async function teamWithReadyVideo(t: TestConvex, owner: Awaited<ReturnType<typeof signedInUser>>) {
  const teamId = await owner.as.mutation(api.teams.create, { name: "Studio" });
  const videoId = await owner.as.mutation(api.videos.create, {
    teamId,
    title: "Launch cut",
    description: "Final edit",
    fileName: "launch.mp4",
  });
  const storageId = await uploadFor(t, owner.as, videoId, new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]), "video/mp4");
  await owner.as.action(api.videos.finalizeUpload, { videoId, storageId, durationSeconds: 12 });
  return { teamId, videoId, storageId };
}

/** Fake timers at a fixed date for the tests of the calling file. */
export function useFrozenClock(at = "2026-06-01T12:00:00Z") {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(at));
  });
  afterEach(() => vi.useRealTimers());
}

/** A signed-in owner (Alice) with a team and a ready video. */
export async function aliceWithVideo() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  return { t, alice, teamId, videoId };
}

/** Asserts that `promise` rejects with a ConvexError carrying `code`. */
export async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).not.toBeNull();
  expect((error as { data?: { code?: string } }).data?.code).toBe(code);
}

/** Every document of the app's tables, for "nothing changed" and "no plaintext" checks. */
export async function dumpTables(t: TestConvex) {
  const tables = [
    "teams",
    "teamMembers",
    "teamInvites",
    "videos",
    "collections",
    "comments",
    "shareLinks",
    "shareGrants",
    "users",
  ] as const;
  return await t.run(async (ctx) => {
    const out: Record<string, unknown[]> = {};
    for (const table of tables) out[table] = await ctx.db.query(table).collect();
    return out;
  });
}
