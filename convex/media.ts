/** The internal side of media delivery; the HTTP routes live in http.ts. */
import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { logAccess } from "./lib/accessLog";
import { addressAllowed } from "./lib/ip";
import { admitToLink } from "./lib/grantIssuing";
import { countRawViewing, startsRawViewing } from "./lib/rawViewings";
import { rateLimiter } from "./lib/rateLimits";
import { DOWNLOAD_IDLE_MS, recordDownloadBytes } from "./lib/downloads";
import { chunkAt } from "./lib/chunkStore";
import { partsFor } from "./lib/chunks";
import { planBytes, type ByteRequest } from "./lib/ranges";
import { checkMemberGrant, type MemberGrantCheck } from "./lib/memberGrants";
import { checkGrant } from "./lib/shareAccess";
import { refuse, refusedValidator, type Refused } from "./lib/refusals";
import { unreachable } from "./lib/unreachable";
import { allowedType } from "./lib/uploads";

/** A count a media answer earns: bytes toward a download (lib/downloads.ts), or a view on the raw link. */
export const servedCount = v.union(
  v.object({
    kind: v.literal("download"),
    linkId: v.id("shareLinks"),
    holder: v.string(),
    viewerId: v.optional(v.string()),
    start: v.number(),
    end: v.number(),
  }),
  v.object({ kind: v.literal("view"), linkId: v.id("shareLinks"), viewerId: v.string() }),
);
export type ServedCount = Infer<typeof servedCount>;

export const mediaFile = v.object({
  ok: v.literal(true),
  /** The video's first (or only) file: what a download in progress is of. */
  storageId: v.id("_storage"),
  contentType: v.string(),
  size: v.number(),
  /** Bytes per chunk file (lib/chunks.ts); a single-file video is one chunk of its size. */
  chunkSize: v.number(),
  sha256: v.string(),
  fileName: v.string(),
  allowDownload: v.boolean(),
  /** The chunk-file parts this request's bytes come from (none for HEAD, 304, 416): [from, to) of each file. */
  parts: v.array(v.object({ storageId: v.id("_storage"), from: v.number(), to: v.number() })),
  /** What serving this answer counts, recorded by `recordServed` only once its bytes are in hand. */
  count: v.optional(servedCount),
});
export type MediaFile = Infer<typeof mediaFile>;
/** The file to serve, or why not (lib/refusals.ts). */
export const mediaAccess = v.union(mediaFile, refusedValidator);
export type MediaAccess = Infer<typeof mediaAccess>;

/** The request headers that decide the bytes served (lib/ranges.ts `byteRequestOf`). */
const byteRequest = v.object({
  method: v.string(),
  range: v.optional(v.string()),
  ifRange: v.optional(v.string()),
  ifNoneMatch: v.optional(v.string()),
});

/**
 * The video's file as this request will be served: its layout and the chunk-file parts the
 * planned bytes come from (lib/ranges.ts `planBytes`: one chunk per range; a full GET only
 * up to 20 MiB, else `rangeRequired`). Only the chunks the plan needs are looked up.
 */
async function describe(
  ctx: MutationCtx,
  storageId: Id<"_storage">,
  video: Doc<"videos">,
  allowDownload: boolean,
  request: ByteRequest,
): Promise<MediaAccess> {
  let layout: { size: number; chunkSize: number; sha256: string };
  if (video.chunkSize !== undefined && video.size !== undefined && video.sha256 !== undefined) {
    layout = { size: video.size, chunkSize: video.chunkSize, sha256: video.sha256 };
  } else {
    // Stored before chunking: one chunk, the whole file.
    const file = await ctx.db.system.get(storageId);
    if (!file) return refuse("missing");
    layout = { size: file.size, chunkSize: Math.max(file.size, 1), sha256: file.sha256 };
  }
  const plan = planBytes(request, layout);
  if (plan.kind === "rangeRequired") return refuse("rangeRequired");
  const parts: MediaFile["parts"] = [];
  if (plan.kind === "bytes" && !plan.head) {
    for (const part of partsFor(layout, plan.start, plan.end)) {
      const chunk = video.chunkSize === undefined ? { storageId } : await chunkAt(ctx, video._id, part.index);
      if (!chunk) return refuse("missing");
      parts.push({ storageId: chunk.storageId, from: part.from, to: part.to });
    }
  }
  return {
    ok: true,
    storageId,
    // The type verified at finalize, never the upload's claim (older rows: served as bytes).
    contentType: allowedType(video.contentType, "video") ?? "application/octet-stream",
    ...layout,
    fileName: video.fileName,
    allowDownload,
    parts,
  };
}

/** For a download: the bytes this request will carry, to be recorded once they are in hand (null: nothing to count). */
function downloadCount(
  linkId: Id<"shareLinks">,
  holder: string,
  access: MediaFile,
  request: ByteRequest,
  viewerId: string | undefined,
): ServedCount | null {
  const plan = planBytes(request, access);
  if (plan.kind !== "bytes" || plan.head || access.size === 0) return null;
  return { kind: "download", linkId, holder, viewerId, start: plan.start, end: plan.end };
}

/**
 * Records what an answer counts, called by the HTTP route after every Blob it serves was
 * fetched, so an answer that fails counts nothing. Null to send it, or the refusal (a download
 * limit reached meanwhile).
 */
export const recordServed = internalMutation({
  args: { count: servedCount, storageId: v.id("_storage"), size: v.number() },
  returns: v.union(v.null(), refusedValidator),
  handler: async (ctx, { count, storageId, size }): Promise<Refused | null> => {
    const now = Date.now();
    const link = await ctx.db.get(count.linkId);
    if (!link || link.revokedAt !== undefined) return refuse("missing");
    if (count.kind === "view") {
      await countRawViewing(ctx, link, count.viewerId, now);
      return null;
    }
    const decision = await recordDownloadBytes(ctx, link, count.holder, { storageId, size }, count.start, count.end, count.viewerId, now);
    switch (decision) {
      case "ok":
        return null;
      case "downloadLimit":
        return refuse("downloadLimit");
      case "tooFragmented":
        return refuse("rateLimited", DOWNLOAD_IDLE_MS);
    }
    return unreachable(decision);
  },
});

/** Whether the request starts a viewing on the raw link (lib/rawViewings.ts): bytes sent, from byte 0 after a pause. */
async function startsViewing(ctx: MutationCtx, linkId: Id<"shareLinks">, clientKey: string, request: ByteRequest, access: MediaFile) {
  const plan = planBytes(request, access);
  if (request.method !== "GET" || plan.kind !== "bytes" || plan.head) return false;
  return await startsRawViewing(ctx, linkId, clientKey, plan.start === 0, Date.now());
}

async function throttle(ctx: MutationCtx, key: string) {
  const limit = await rateLimiter.limit(ctx, "mediaRequests", { key });
  return limit.ok ? null : refuse("rateLimited", limit.retryAfter);
}

/** A member's request: the grant's own request budget; members may always download. */
async function openMemberGrant(ctx: MutationCtx, member: MemberGrantCheck, request: ByteRequest): Promise<MediaAccess> {
  if (!member.ok) return member;
  // A library grant opens posters only.
  if (member.grant.videoId === undefined || !member.video.storageId) return refuse("missing");
  const limited = await throttle(ctx, `member:${member.grant._id}`);
  if (limited) return limited;
  return await describe(ctx, member.video.storageId, member.video, true, request);
}

/**
 * One request on /media/<grant>: re-checks the grant and its link, spends the grant's
 * request budget, and counts a download when one starts.
 */
export const openGrant = internalMutation({
  /** `videoId`: which video of a collection grant (`?video=`); a video grant's own, if given. */
  args: {
    grantToken: v.string(),
    videoId: v.optional(v.string()),
    download: v.boolean(),
    request: byteRequest,
    clientAddress: v.optional(v.string()),
  },
  returns: mediaAccess,
  handler: async (ctx, args): Promise<MediaAccess> => {
    const now = Date.now();
    const check = await checkGrant(ctx, args.grantToken, now, args.videoId);
    if (!check.ok && check.reason === "grantInvalid") {
      // Not a viewer's grant: perhaps a member's (lib/memberGrants.ts), membership checked now.
      const member = await checkMemberGrant(ctx, args.grantToken, now, args.videoId);
      if (member) return await openMemberGrant(ctx, member, args.request);
    }
    if (!check.ok) return check;
    if (check.link.ipAllowlist !== undefined && !addressAllowed(args.clientAddress, check.link.ipAllowlist)) return refuse("ipNotAllowed");
    const limited = await throttle(ctx, `grant:${check.grant._id}`);
    if (limited) return limited;
    if (args.download && !check.link.allowDownload) return refuse("downloadDisabled");
    const access = await describe(ctx, check.storageId, check.video, check.link.allowDownload, args.request);
    if (!access.ok || !args.download) return access;
    const count = downloadCount(check.link._id, `grant:${check.grant._id}`, access, args.request, check.grant.viewerId);
    return count ? { ...access, count } : access;
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
    const admission = await admitToLink(
      ctx,
      { token: args.token, password: args.password, viewerId: args.clientKey, clientAddress: args.clientAddress },
      now,
    );
    if (!admission.ok) {
      // Players probe raw links without the password header: those attempts are not logged.
      if (admission.link && admission.reason !== "invalidPassword" && admission.reason !== "passwordRequired") {
        await logAccess(ctx, admission.link._id, "grantRefused", {
          reason: admission.reason,
          viewerId: args.clientKey,
          clientAddress: args.clientAddress,
        });
      }
      return {
        ok: false,
        reason: admission.reason,
        ...(admission.retryAfterMs === undefined ? {} : { retryAfterMs: admission.retryAfterMs }),
      };
    }
    const { link, video } = admission;
    if (!video?.storageId) return refuse("missing");
    // The caller's own budget on this link: another client cannot spend it.
    const limited = await throttle(ctx, `link:${link._id}:${args.clientKey}`);
    if (limited) return limited;
    if (args.download && !link.allowDownload) return refuse("downloadDisabled");
    const access = await describe(ctx, video.storageId, video, link.allowDownload, args.request);
    if (!access.ok) return access;
    const count = args.download
      ? downloadCount(link._id, args.clientKey, access, args.request, args.clientKey)
      : (await startsViewing(ctx, link._id, args.clientKey, args.request, access))
        ? ({ kind: "view", linkId: link._id, viewerId: args.clientKey } as const)
        : null;
    return count ? { ...access, count } : access;
  },
});

export const posterAccess = v.union(v.object({ ok: v.literal(true), storageId: v.id("_storage") }), refusedValidator);

/**
 * GET /media/<grant>/poster[?video=<id>]: the poster of the video a viewer's or member's grant
 * opens, re-checked like the video's bytes (revoke, expiry, membership), with the same budget.
 */
export const openPoster = internalMutation({
  args: { grantToken: v.string(), videoId: v.optional(v.string()), clientAddress: v.optional(v.string()) },
  returns: posterAccess,
  handler: async (ctx, args) => {
    const now = Date.now();
    let video: Doc<"videos">;
    let bucket: string;
    const check = await checkGrant(ctx, args.grantToken, now, args.videoId);
    if (check.ok) {
      if (check.link.ipAllowlist !== undefined && !addressAllowed(args.clientAddress, check.link.ipAllowlist))
        return refuse("ipNotAllowed");
      video = check.video;
      bucket = `grant:${check.grant._id}`;
    } else {
      const member = check.reason === "grantInvalid" ? await checkMemberGrant(ctx, args.grantToken, now, args.videoId) : null;
      if (!member) return check;
      if (!member.ok) return member;
      video = member.video;
      bucket = `member:${member.grant._id}`;
    }
    const limited = await throttle(ctx, bucket);
    if (limited) return limited;
    if (!video.posterStorageId) return refuse("missing");
    return { ok: true as const, storageId: video.posterStorageId };
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
