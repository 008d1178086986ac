import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { Refusal } from "./refusals";

export const ACCESS_LOG_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

type Event = Doc<"accessLog">["event"];

export async function logAccess(
  ctx: MutationCtx,
  linkId: Id<"shareLinks">,
  event: Event,
  details: { reason?: Refusal; viewerId?: string; clientAddress?: string } = {},
) {
  await ctx.db.insert("accessLog", { linkId, event, ...details });
}
