/**
 * The HTTP API for scripts (`/api/v1/…`, routed in http.ts). One internal mutation per route,
 * taking the body http.ts has already validated (lib/apiShapes.ts): authenticate the key, check
 * its scope and rate limits, act as its team.
 */
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { admitToLink, clientKeyOf, countView, issueGrant } from "./lib/grantIssuing";
import { slugTicket } from "./lib/slugTickets";
import { createLink, revokeLink, summarizeLink, updateLink } from "./lib/linkManagement";
import { getMembership, hasRole } from "./lib/permissions";
import { rateLimiter } from "./lib/rateLimits";
import { apiError, apiResult, fromThrown, refusalResult, type ApiResult } from "./lib/restErrors";
import { createSettingsOf, createShareBody, grantBody, updateSettingsOf, updateShareBody } from "./lib/apiShapes";
import { playableVideos } from "./lib/collections";
import { refuse } from "./lib/refusals";
import { linkStatus } from "./lib/shareAccess";
import { looksLikeSlug, sha256Hex } from "./lib/tokens";
import { siteOrigin } from "./lib/env";

type Scope = Doc<"apiKeys">["scopes"][number];

async function authorize(ctx: MutationCtx, key: string | undefined, scope: Scope): Promise<Doc<"apiKeys"> | ApiResult> {
  if (!key) return apiError(401, "UNAUTHORIZED", "Send an API key: Authorization: Bearer <key> or X-API-Key.");
  const keyHash = await sha256Hex(key);
  const found = await ctx.db
    .query("apiKeys")
    .withIndex("by_keyHash", (q) => q.eq("keyHash", keyHash))
    .unique();
  if (!found || found.revokedAt !== undefined) return apiError(401, "UNAUTHORIZED", "This API key is not valid.");
  // A key acts for its creator (actor): it works only while they may still hold keys for the team,
  // so removing or demoting an admin ends their keys' reads as well as their writes.
  const creator = await getMembership(ctx, found.teamId, found.createdBy);
  if (!creator || !hasRole(creator.role, "admin"))
    return apiError(401, "UNAUTHORIZED", "This API key is not valid: whoever made it is no longer an admin of the team.");
  if (!found.scopes.includes(scope)) return apiError(403, "FORBIDDEN", `This key lacks the ${scope} scope.`);
  const limit = await rateLimiter.limit(ctx, "apiRequestsPerKey", { key: found._id });
  if (!limit.ok) return apiError(429, "RATE_LIMITED", "Too many requests for this key.", limit.retryAfter);
  await ctx.db.patch(found._id, { lastUsedAt: Date.now() });
  return found;
}

/** The key acts with its creator's membership, restricted to the key's team. */
function actor(ctx: MutationCtx, key: Doc<"apiKeys">) {
  return { ...ctx, userId: key.createdBy };
}

async function ownLink(ctx: MutationCtx, key: Doc<"apiKeys">, id: string) {
  const linkId = ctx.db.normalizeId("shareLinks", id);
  const link = linkId ? await ctx.db.get(linkId) : null;
  return link && link.teamId === key.teamId ? link : null;
}

async function shareJsonById(ctx: MutationCtx, linkId: Id<"shareLinks">) {
  const link = await ctx.db.get(linkId);
  if (!link) throw new Error(`share link ${linkId} vanished within its own transaction`);
  return await shareJson(ctx, link);
}

async function shareJson(ctx: MutationCtx, link: Doc<"shareLinks">) {
  const s = await summarizeLink(ctx, link, Date.now(), true);
  return {
    id: s.linkId,
    video_id: link.videoId ?? null,
    collection_id: link.collectionId ?? null,
    url: s.url,
    status: s.status,
    created_at: new Date(s.createdAt).toISOString(),
    expires_at: s.expiresAt === null ? null : new Date(s.expiresAt).toISOString(),
    allow_download: s.allowDownload,
    allow_comments: s.allowComments,
    requires_password: s.hasPassword,
    label: s.label,
    note: s.note,
    custom_slug: s.customSlug,
    max_viewers: s.maxViewers,
    max_views: s.maxViews,
    max_downloads: s.maxDownloads,
    view_count: s.viewCount,
    download_count: s.downloadCount,
    last_accessed_at: s.lastAccessedAt === null ? null : new Date(s.lastAccessedAt).toISOString(),
  };
}

/** Runs `act` for the key's team with the key's scope; app errors become API errors. */
async function asKey(
  ctx: MutationCtx,
  keyValue: string | undefined,
  scope: Scope,
  act: (key: Doc<"apiKeys">) => Promise<ApiResult>,
): Promise<ApiResult> {
  const key = await authorize(ctx, keyValue, scope);
  if ("status" in key) return key;
  try {
    return await act(key);
  } catch (error) {
    return fromThrown(error);
  }
}

const noSuchShare = () => apiError(404, "SHARE_NOT_FOUND", "No such share link.");

/** POST /api/v1/shares */
export const createShare = internalMutation({
  args: { key: v.optional(v.string()), body: createShareBody },
  returns: apiResult,
  handler: async (ctx, args) =>
    await asKey(ctx, args.key, "shares:write", async (key) => {
      const target = await shareTargetOf(ctx, key, args.body);
      if ("status" in target) return target;
      const mint = await rateLimiter.limit(ctx, "apiMintsPerKey", { key: key._id });
      if (!mint.ok) return apiError(429, "RATE_LIMITED", "Too many links created with this key.", mint.retryAfter);
      const created = await createLink(actor(ctx, key), { ...createSettingsOf(args.body), ...target });
      return { status: 201, json: await shareJsonById(ctx, created.linkId) };
    }),
});

/** What a create body shares: its video or its collection, in the key's team; or the API error. */
async function shareTargetOf(ctx: MutationCtx, key: Doc<"apiKeys">, body: { video_id?: string; collection_id?: string }) {
  if (body.video_id === undefined && body.collection_id === undefined) {
    return apiError(400, "VALIDATION_ERROR", "video_id is required (or collection_id, to share a collection).");
  }
  if (body.video_id !== undefined && body.collection_id !== undefined) {
    return apiError(400, "VALIDATION_ERROR", "Send video_id or collection_id, not both.");
  }
  if (body.collection_id !== undefined) {
    const collectionId = ctx.db.normalizeId("collections", body.collection_id);
    const collection = collectionId ? await ctx.db.get(collectionId) : null;
    if (!collection || collection.teamId !== key.teamId)
      return apiError(404, "COLLECTION_NOT_FOUND", "No such collection in this key's team.");
    return { collectionId: collection._id };
  }
  const videoId = ctx.db.normalizeId("videos", body.video_id!);
  const video = videoId ? await ctx.db.get(videoId) : null;
  if (!video || video.teamId !== key.teamId) return apiError(404, "FILE_NOT_FOUND", "No such video in this key's team.");
  return { videoId: video._id };
}

/** GET /api/v1/shares[?video_id=…|collection_id=…&include_inactive=true] */
export const listShares = internalMutation({
  args: {
    key: v.optional(v.string()),
    videoId: v.optional(v.string()),
    collectionId: v.optional(v.string()),
    includeInactive: v.boolean(),
  },
  returns: apiResult,
  handler: async (ctx, args) =>
    await asKey(ctx, args.key, "shares:read", async (key) => {
      const videoId = args.videoId === undefined ? null : ctx.db.normalizeId("videos", args.videoId);
      if (args.videoId !== undefined && !videoId) return apiError(404, "FILE_NOT_FOUND", "No such video.");
      const collectionId = args.collectionId === undefined ? null : ctx.db.normalizeId("collections", args.collectionId);
      if (args.collectionId !== undefined && !collectionId) return apiError(404, "COLLECTION_NOT_FOUND", "No such collection.");
      const links = videoId
        ? await ctx.db
            .query("shareLinks")
            .withIndex("by_video", (q) => q.eq("videoId", videoId))
            .order("desc")
            .take(500)
        : collectionId
          ? await ctx.db
              .query("shareLinks")
              .withIndex("by_collection", (q) => q.eq("collectionId", collectionId))
              .order("desc")
              .take(500)
          : await ctx.db
              .query("shareLinks")
              .withIndex("by_team_expiresAt", (q) => q.eq("teamId", key.teamId))
              .take(500);
      const now = Date.now();
      const visible = links
        .filter((l) => l.teamId === key.teamId)
        .filter((l) => args.includeInactive || linkStatus(l, now) === "active")
        .sort((a, b) => b._creationTime - a._creationTime);
      return { status: 200, json: { data: await Promise.all(visible.map((l) => shareJson(ctx, l))) } };
    }),
});

/** GET /api/v1/shares/{id} */
export const getShare = internalMutation({
  args: { key: v.optional(v.string()), id: v.string() },
  returns: apiResult,
  handler: async (ctx, args) =>
    await asKey(ctx, args.key, "shares:read", async (key) => {
      const link = await ownLink(ctx, key, args.id);
      return link ? { status: 200, json: await shareJson(ctx, link) } : noSuchShare();
    }),
});

/** PATCH /api/v1/shares/{id}: `null` clears a setting. */
export const updateShare = internalMutation({
  args: { key: v.optional(v.string()), id: v.string(), body: updateShareBody },
  returns: apiResult,
  handler: async (ctx, args) =>
    await asKey(ctx, args.key, "shares:write", async (key) => {
      const link = await ownLink(ctx, key, args.id);
      if (!link) return noSuchShare();
      await updateLink(actor(ctx, key), { ...updateSettingsOf(args.body), linkId: link._id });
      return { status: 200, json: await shareJsonById(ctx, link._id) };
    }),
});

/** DELETE /api/v1/shares/{id}: revokes (idempotent). */
export const revokeShare = internalMutation({
  args: { key: v.optional(v.string()), id: v.string() },
  returns: apiResult,
  handler: async (ctx, args) =>
    await asKey(ctx, args.key, "shares:write", async (key) => {
      const link = await ownLink(ctx, key, args.id);
      if (!link) return noSuchShare();
      await revokeLink(actor(ctx, key), link._id);
      return { status: 204, json: null };
    }),
});

/** GET /api/v1/public/{tokenOrSlug}: what the link shares; counts a view. */
export const publicInfo = internalMutation({
  args: {
    tokenOrSlug: v.string(),
    password: v.optional(v.string()),
    clientKey: v.string(),
    clientAddress: v.optional(v.string()),
    /** False for a HEAD (a link preview, a probe): it is admitted like a GET but is nobody's view. */
    countsView: v.optional(v.boolean()),
  },
  returns: apiResult,
  handler: async (ctx, args): Promise<ApiResult> => {
    const limit = await rateLimiter.limit(ctx, "apiPublicInfo", { key: args.clientKey });
    if (!limit.ok) return apiError(429, "RATE_LIMITED", "Too many requests.", limit.retryAfter);
    const now = Date.now();
    const admission = await admitToLink(
      ctx,
      { token: args.tokenOrSlug, password: args.password, viewerId: args.clientKey, clientAddress: args.clientAddress },
      now,
    );
    if (!admission.ok) return refusalResult(admission);
    const { link, video } = admission;
    if (link.collectionId !== undefined) {
      const collection = await ctx.db.get(link.collectionId);
      if (!collection) return refusalResult(refuse("missing"));
      if (args.countsView !== false) await countView(ctx, link, args.clientKey, admission.newViewer, now);
      return { status: 200, json: await collectionInfo(ctx, collection, link) };
    }
    const file = video?.storageId ? await ctx.db.system.get(video.storageId) : null;
    if (!video || !file) return apiError(404, "FILE_NOT_FOUND", "The video file is missing.");
    if (args.countsView !== false) await countView(ctx, link, args.clientKey, admission.newViewer, now);
    return {
      status: 200,
      json: {
        kind: "video",
        name: video.fileName,
        title: video.title,
        // A chunked video's size is the whole video's (video.size), not its first chunk file's.
        size: video.size ?? file.size,
        content_type: video.contentType ?? file.contentType ?? "application/octet-stream",
        requires_password: link.passwordHash !== undefined,
        download_url: link.allowDownload ? `${siteOrigin()}/api/v1/public/${encodeURIComponent(args.tokenOrSlug)}/download` : null,
      },
    };
  },
});

/** What a collection link lists publicly: its title and its playable videos in order (no ids of people, no file ids). */
async function collectionInfo(ctx: MutationCtx, collection: Doc<"collections">, link: Doc<"shareLinks">) {
  const videos = [];
  for (const video of await playableVideos(ctx, collection)) {
    const file = video.storageId ? await ctx.db.system.get(video.storageId) : null;
    videos.push({
      id: video._id,
      title: video.title,
      duration_seconds: video.durationSeconds ?? null,
      size: video.size ?? file?.size ?? null,
      content_type: video.contentType ?? file?.contentType ?? "application/octet-stream",
    });
  }
  return {
    kind: "collection",
    title: collection.title,
    description: collection.description,
    requires_password: link.passwordHash !== undefined,
    allow_download: link.allowDownload,
    videos,
  };
}

/** POST /api/v1/grant: issueAccessGrant with the caller's address (for links with an IP allowlist). */
export const issueGrantOverHttp = internalMutation({
  args: { ...grantBody.fields, clientAddress: v.optional(v.string()) },
  returns: apiResult,
  handler: async (ctx, args): Promise<ApiResult> => {
    try {
      return { status: 200, json: await issueGrant(ctx, args, Date.now()) };
    } catch (error) {
      return fromThrown(error);
    }
  },
});

/** POST /api/v1/resolve: a slug ticket for a custom slug (lib/slugTickets.ts), paid from the caller's budget. */
export const resolveSlug = internalMutation({
  args: { slug: v.string(), clientAddress: v.optional(v.string()) },
  returns: apiResult,
  handler: async (ctx, args): Promise<ApiResult> => {
    const client = await clientKeyOf(args.clientAddress);
    if (client === null) return apiError(403, "FORBIDDEN", "Your network address is unknown to this deployment.");
    if (!looksLikeSlug(args.slug)) return apiError(400, "VALIDATION_ERROR", "A slug is 3–64 letters, digits and hyphens.");
    const budget = await rateLimiter.limit(ctx, "slugLookupsPerClient", { key: client });
    if (!budget.ok) return apiError(429, "RATE_LIMITED", "Too many link lookups from your network.", budget.retryAfter);
    return { status: 200, json: { slug_ticket: await slugTicket(args.slug) } };
  },
});

/** Rate limit for public downloads, per client address; the bytes go through media.openLink. */
export const publicDownloadBudget = internalMutation({
  args: { clientKey: v.string() },
  returns: v.union(v.null(), apiResult),
  handler: async (ctx, { clientKey }) => {
    const limit = await rateLimiter.limit(ctx, "apiPublicDownload", { key: clientKey });
    return limit.ok ? null : apiError(429, "RATE_LIMITED", "Too many downloads.", limit.retryAfter);
  },
});
