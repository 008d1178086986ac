import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { Refusal } from "./refusals";
import { sha256Hex } from "./tokens";

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

/**
 * How a viewer appears in a link's access log: a short name made from the link and the viewer's
 * id, never the id itself. The id is a secret of the viewer's browser (a password lockout follows
 * it, lib/grantIssuing.ts), the same on every link it opens: a member who read it could lock that
 * viewer out of other teams' links. The name only tells this link's visitors apart.
 */
export async function viewerAlias(linkId: Id<"shareLinks">, viewerId: string): Promise<string> {
  return `viewer ${(await sha256Hex(`${linkId}:${viewerId}`)).slice(0, 8)}`;
}
