/**
 * Downloads counted by bytes actually served, not by how the Range header is spelled. Each
 * holder (a grant, or a client address on the raw and API routes) has one download in progress
 * per link: the byte ranges served to it so far. When they cover the whole file, one download
 * is counted. Starting a download reserves one of the link's remaining downloads, so with
 * `maxDownloads: n` at most n whole copies leave, however the ranges are cut or interleaved.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { logAccess } from "./accessLog";

/** A download idle this long gives its reservation back. */
export const DOWNLOAD_IDLE_MS = 30 * 60 * 1000;
/** Pieces one download may be served in before it must be merged by contiguous ranges. */
export const MAX_PIECES = 64;

export type Piece = { start: number; end: number };

/** `pieces` (sorted, disjoint, end exclusive) with [start, end) added and touching pieces merged. */
export function addPiece(pieces: Piece[], start: number, end: number): Piece[] {
  const sorted = [...pieces, { start, end }].sort((a, b) => a.start - b.start);
  const out: Piece[] = [];
  for (const piece of sorted) {
    const last = out[out.length - 1];
    if (last && piece.start <= last.end) last.end = Math.max(last.end, piece.end);
    else out.push({ ...piece });
  }
  return out;
}

export type DownloadDecision = "ok" | "downloadLimit" | "tooFragmented";

/** Records bytes [start, end] of the link's file as served to `holder`; counts a download when the file is complete. */
export async function recordDownloadBytes(
  ctx: MutationCtx,
  link: Doc<"shareLinks">,
  holder: string,
  file: { storageId: Id<"_storage">; size: number },
  start: number,
  end: number,
  viewerId: string | undefined,
  now: number,
): Promise<DownloadDecision> {
  let progress = await ctx.db
    .query("downloadProgress")
    .withIndex("by_link_holder", (q) => q.eq("linkId", link._id).eq("holder", holder))
    .unique();
  if (progress && (progress.storageId !== file.storageId || progress.updatedAt < now - DOWNLOAD_IDLE_MS)) {
    await ctx.db.delete(progress._id);
    progress = null;
  }
  if (!progress && link.maxDownloads !== undefined) {
    const left = link.maxDownloads - link.downloadCount;
    const inProgress = left > 0 ? await activeDownloads(ctx, link._id, now, left) : 0;
    if (inProgress >= left) return "downloadLimit";
  }
  const pieces = addPiece(progress?.pieces ?? [], start, end + 1);
  if (pieces.length > MAX_PIECES) return "tooFragmented";
  if (pieces.length === 1 && pieces[0].start === 0 && pieces[0].end >= file.size) {
    if (progress) await ctx.db.delete(progress._id);
    await ctx.db.patch(link._id, { downloadCount: link.downloadCount + 1, lastAccessedAt: now });
    await logAccess(ctx, link._id, "download", { viewerId });
    return "ok";
  }
  if (progress) await ctx.db.patch(progress._id, { pieces, updatedAt: now });
  else await ctx.db.insert("downloadProgress", { linkId: link._id, holder, storageId: file.storageId, pieces, updatedAt: now });
  return "ok";
}

/** Downloads of the link in progress (not idle), counted up to `atMost`. */
async function activeDownloads(ctx: MutationCtx, linkId: Id<"shareLinks">, now: number, atMost: number) {
  const rows = await ctx.db
    .query("downloadProgress")
    .withIndex("by_link_updatedAt", (q) => q.eq("linkId", linkId).gte("updatedAt", now - DOWNLOAD_IDLE_MS))
    .take(atMost);
  return rows.length;
}
