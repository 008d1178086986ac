/**
 * Views on the raw link /s/<token>: a player's many Range requests (the first from byte 0, often
 * more from byte 0 as it probes and re-buffers) are one viewing, counted once. A viewing is the
 * client's requests with no pause longer than VIEWING_IDLE_MS; a request from byte 0 after such a
 * pause (or the client's first) starts a new viewing, which counts. The state is the client's own
 * shareViewers row (no shared document written per request), refreshed at most once a minute.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { countView } from "./grantIssuing";

export const VIEWING_IDLE_MS = 30 * 60 * 1000;
const REFRESH_MS = 60 * 1000;

async function viewerRow(ctx: QueryCtx, linkId: Id<"shareLinks">, viewerKey: string) {
  return await ctx.db
    .query("shareViewers")
    .withIndex("by_link_viewer", (q) => q.eq("linkId", linkId).eq("viewerKey", viewerKey))
    .first();
}

const live = (row: Doc<"shareViewers"> | null, now: number) => row?.rawViewingAt !== undefined && now - row.rawViewingAt < VIEWING_IDLE_MS;

/**
 * For a request that will carry bytes: whether it starts a new viewing (to be counted by
 * `countRawViewing` once its bytes are in hand). A request within a live viewing keeps it alive.
 */
export async function startsRawViewing(ctx: MutationCtx, linkId: Id<"shareLinks">, viewerKey: string, fromStart: boolean, now: number) {
  const row = await viewerRow(ctx, linkId, viewerKey);
  if (live(row, now)) {
    if (now - row!.rawViewingAt! >= REFRESH_MS) await ctx.db.patch(row!._id, { rawViewingAt: now });
    return false;
  }
  return fromStart;
}

/** Counts the viewing a request started, unless a concurrent request of the same client already did. */
export async function countRawViewing(ctx: MutationCtx, link: Doc<"shareLinks">, viewerKey: string, now: number) {
  const row = await viewerRow(ctx, link._id, viewerKey);
  if (live(row, now)) return;
  await countView(ctx, link, viewerKey, row === null, now, { rawViewingAt: now });
  if (row) await ctx.db.patch(row._id, { rawViewingAt: now });
}
