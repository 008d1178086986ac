/** The internal side of media delivery; the HTTP routes live in http.ts. */
import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { logAccess } from "./lib/accessLog";
import { addressAllowed } from "./lib/ip";
import { admitToLink, countView } from "./lib/grantIssuing";
import { rateLimiter } from "./lib/rateLimits";
import { DOWNLOAD_IDLE_MS, recordDownloadBytes } from "./lib/downloads";
import { MAX_CHUNK } from "./lib/mediaResponse";
import { planBytes, type ByteRequest } from "./lib/ranges";
import { checkGrant } from "./lib/shareAccess";
import { refuse, refusedValidator, type Refused } from "./lib/refusals";
import { unreachable } from "./lib/unreachable";
import { allowedType } from "./lib/uploads";

export const mediaFile = v.object({
  ok: v.literal(true),
  storageId: v.id("_storage"),
  contentType: v.string(),
  size: v.number(),
  sha256: v.string(),
  fileName: v.string(),
  allowDownload: v.boolean(),
});
export type MediaFile = Infer<typeof mediaFile>;
/** The file to serve, or why not (lib/refusals.ts). */
export const mediaAccess = v.union(mediaFile, refusedValidator);
export type MediaAccess = Infer<typeof mediaAccess>;

async function describe(ctx: MutationCtx, storageId: Id<"_storage">, video: Doc<"videos">, link: Doc<"shareLinks">): Promise<MediaAccess> {
  const file = await ctx.db.system.get(storageId);
  if (!file) return refuse("missing");
  return {
    ok: true,
    storageId,
    // The type verified at finalize, never the upload's claim (older rows: served as bytes).
    contentType: allowedType(video.contentType, "video") ?? "application/octet-stream",
    size: file.size,
    sha256: file.sha256,
    fileName: video.fileName,
    allowDownload: link.allowDownload,
  };
}

/** The request headers that decide the bytes served (lib/ranges.ts `byteRequestOf`). */
const byteRequest = v.object({ method: v.string(), range: v.optional(v.string()), ifRange: v.optional(v.string()), ifNoneMatch: v.optional(v.string()) });

/**
 * For a download: records the bytes this request will carry and counts a download once the
 * holder has received the whole file (lib/downloads.ts). Null to go on, or the refusal.
 */
async function countDownloadBytes(
  ctx: MutationCtx,
  link: Doc<"shareLinks">,
  holder: string,
  access: MediaFile,
  request: ByteRequest,
  viewerId: string | undefined,
  now: number,
): Promise<Refused | null> {
  const plan = planBytes(request, access, MAX_CHUNK);
  if (plan.kind !== "bytes" || plan.head || access.size === 0) return null;
  const decision = await recordDownloadBytes(ctx, link, holder, access, plan.start, plan.end, viewerId, now);
  switch (decision) {
    case "ok":
      return null;
    case "downloadLimit":
      return refuse("downloadLimit");
    case "tooFragmented":
      return refuse("rateLimited", DOWNLOAD_IDLE_MS);
  }
  return unreachable(decision);
}

/** Whether the request starts playback from the first byte (a view on the raw link). */
function startsPlayback(request: ByteRequest, size: number) {
  const plan = planBytes(request, { size, sha256: "" }, MAX_CHUNK);
  return request.method === "GET" && plan.kind === "bytes" && plan.start === 0;
}

async function throttle(ctx: MutationCtx, key: string) {
  const limit = await rateLimiter.limit(ctx, "mediaRequests", { key });
  return limit.ok ? null : refuse("rateLimited", limit.retryAfter);
}

/**
 * One request on /media/<grant>: re-checks the grant and its link, spends the grant's
 * request budget, and counts a download when one starts.
 */
export const openGrant = internalMutation({
  /** `videoId`: which video of a collection grant (`?video=`); a video grant's own, if given. */
  args: { grantToken: v.string(), videoId: v.optional(v.string()), download: v.boolean(), request: byteRequest, clientAddress: v.optional(v.string()) },
  returns: mediaAccess,
  handler: async (ctx, args): Promise<MediaAccess> => {
    const now = Date.now();
    const check = await checkGrant(ctx, args.grantToken, now, args.videoId);
    if (!check.ok) return check;
    if (check.link.ipAllowlist !== undefined && !addressAllowed(args.clientAddress, check.link.ipAllowlist)) return refuse("ipNotAllowed");
    const limited = await throttle(ctx, `grant:${check.grant._id}`);
    if (limited) return limited;
    if (args.download && !check.link.allowDownload) return refuse("downloadDisabled");
    const access = await describe(ctx, check.storageId, check.video, check.link);
    if (access.ok && args.download) {
      const refused = await countDownloadBytes(ctx, check.link, `grant:${check.grant._id}`, access, args.request, check.grant.viewerId, now);
      if (refused) return refused;
    }
    return access;
  },
});

/**
 * One request on the raw link /s/<token>: the same admission as a grant (password via
 * header, same rate limits), a view counted when playback starts from the beginning.
 */
export const openLink = internalMutation({
  args: {
    token: v.string(),
    password: v.optional(v.string()),
    clientKey: v.string(),
    clientAddress: v.optional(v.string()),
    download: v.boolean(),
    request: byteRequest,
  },
  returns: mediaAccess,
  handler: async (ctx, args): Promise<MediaAccess> => {
    const now = Date.now();
    const admission = await admitToLink(ctx, { token: args.token, password: args.password, viewerId: args.clientKey, clientAddress: args.clientAddress }, now);
    if (!admission.ok) {
      // Players probe raw links without the password header: those attempts are not logged.
      if (admission.link && admission.reason !== "invalidPassword" && admission.reason !== "passwordRequired") {
        await logAccess(ctx, admission.link._id, "grantRefused", { reason: admission.reason, viewerId: args.clientKey, clientAddress: args.clientAddress });
      }
      return { ok: false, reason: admission.reason, ...(admission.retryAfterMs === undefined ? {} : { retryAfterMs: admission.retryAfterMs }) };
    }
    const { link, video } = admission;
    if (!video?.storageId) return refuse("missing");
    // The caller's own budget on this link: another client cannot spend it.
    const limited = await throttle(ctx, `link:${link._id}:${args.clientKey}`);
    if (limited) return limited;
    if (args.download && !link.allowDownload) return refuse("downloadDisabled");
    const access = await describe(ctx, video.storageId, video, link);
    if (!access.ok) return access;
    if (args.download) {
      const refused = await countDownloadBytes(ctx, link, args.clientKey, access, args.request, args.clientKey, now);
      if (refused) return refused;
    } else if (!args.download && startsPlayback(args.request, access.size)) {
      await countView(ctx, link, args.clientKey, admission.newViewer, now);
    }
    return access;
  },
});

/** Forgets downloads idle past their reservation (their holders start afresh if they return). */
export const sweepIdleDownloads = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const idle = await ctx.db
      .query("downloadProgress")
      .withIndex("by_updatedAt", (q) => q.lt("updatedAt", Date.now() - DOWNLOAD_IDLE_MS))
      .take(500);
    for (const row of idle) await ctx.db.delete(row._id);
    if (idle.length === 500) await ctx.scheduler.runAfter(0, internal.media.sweepIdleDownloads, {});
    return idle.length;
  },
});
