/**
 * The HTTP API for scripts (`/api/v1/…`, routed in http.ts). One internal mutation per
 * request: authenticate the key, check its scope and rate limits, act as its team.
 */
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { admitToLink, clientKeyOf, countView, issueGrant } from "./lib/grantIssuing";
import { slugTicket } from "./lib/slugTickets";
import { createLink, revokeLink, summarizeLink, updateLink } from "./lib/linkManagement";
import { rateLimiter } from "./lib/rateLimits";
import { apiError, fromThrown, type ApiResult } from "./lib/restErrors";
import { sha256Hex } from "./lib/tokens";
import { siteOrigin } from "./lib/env";

const apiResult = v.object({ status: v.number(), json: v.any(), retryAfterSeconds: v.optional(v.number()) });

type Scope = Doc<"apiKeys">["scopes"][number];

async function authorize(ctx: MutationCtx, key: string | undefined, scope: Scope): Promise<Doc<"apiKeys"> | ApiResult> {
  if (!key) return apiError(401, "UNAUTHORIZED", "Send an API key: Authorization: Bearer <key> or X-API-Key.");
  const keyHash = await sha256Hex(key);
  const found = await ctx.db.query("apiKeys").withIndex("by_keyHash", (q) => q.eq("keyHash", keyHash)).unique();
  if (!found || found.revokedAt !== undefined) return apiError(401, "UNAUTHORIZED", "This API key is not valid.");
  if (!found.scopes.includes(scope)) return apiError(403, "FORBIDDEN", `This key lacks the ${scope} scope.`);
  const limit = await rateLimiter.limit(ctx, "apiRequestsPerKey", { key: found._id });
  if (!limit.ok) return apiError(429, "RATE_LIMITED", "Too many requests for this key.", limit.retryAfter);
  await ctx.db.patch(found._id, { lastUsedAt: Date.now() });
  return found;
}

/** The key acts with its creator's membership, restricted to the key's team. */
function actor(ctx: MutationCtx, key: Doc<"apiKeys">) {
  return Object.assign(Object.create(ctx) as MutationCtx, { userId: key.createdBy });
}

async function ownLink(ctx: MutationCtx, key: Doc<"apiKeys">, id: string) {
  const linkId = ctx.db.normalizeId("shareLinks", id);
  const link = linkId ? await ctx.db.get(linkId) : null;
  return link && link.teamId === key.teamId ? link : null;
}

async function shareJson(ctx: MutationCtx, link: Doc<"shareLinks">) {
  const s = await summarizeLink(ctx, link, Date.now(), true);
  return {
    id: s.linkId,
    video_id: link.videoId,
    url: s.url,
    status: s.status,
    created_at: new Date(s.createdAt).toISOString(),
    expires_at: s.expiresAt === null ? null : new Date(s.expiresAt).toISOString(),
    allow_download: s.allowDownload,
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

/** snake_case body → the function's options; unknown fields are refused. */
function options(body: unknown): ApiResult | Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return apiError(400, "VALIDATION_ERROR", "The body must be a JSON object.");
  const names: Record<string, string> = {
    video_id: "videoId",
    expires_in_days: "expiresInDays",
    expires_at: "expiresAt",
    allow_download: "allowDownload",
    password: "password",
    label: "label",
    note: "note",
    custom_slug: "customSlug",
    max_viewers: "maxViewers",
    max_views: "maxViews",
    max_downloads: "maxDownloads",
  };
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(body)) {
    if (!(k in names)) return apiError(400, "VALIDATION_ERROR", `Unknown field "${k}".`);
    if (k === "expires_at" && typeof value === "string") {
      const at = Date.parse(value);
      if (Number.isNaN(at)) return apiError(400, "VALIDATION_ERROR", "expires_at must be an ISO 8601 date-time.");
      out.expiresAt = at;
    } else out[names[k]] = value;
  }
  return out;
}

const TYPES: Record<string, string> = {
  videoId: "string", expiresInDays: "number", expiresAt: "number", allowDownload: "boolean", password: "string",
  label: "string", note: "string", customSlug: "string", maxViewers: "number", maxViews: "number", maxDownloads: "number",
};
function typeProblem(opts: Record<string, unknown>, nullable: boolean) {
  for (const [k, value] of Object.entries(opts)) {
    if (value === null && nullable && k !== "videoId" && k !== "allowDownload") continue;
    if (typeof value !== TYPES[k]) return apiError(400, "VALIDATION_ERROR", `${k} must be a ${TYPES[k]}.`);
  }
  return null;
}

export const shares = internalMutation({
  args: {
    method: v.string(),
    id: v.optional(v.string()),
    key: v.optional(v.string()),
    query: v.record(v.string(), v.string()),
    body: v.optional(v.any()),
  },
  returns: apiResult,
  handler: async (ctx, args): Promise<ApiResult> => {
    const write = args.method !== "GET";
    const key = await authorize(ctx, args.key, write ? "shares:write" : "shares:read");
    if ("status" in key) return key;
    const as = actor(ctx, key);
    try {
      if (args.method === "POST" && !args.id) {
        const opts = options(args.body);
        if ("status" in opts) return opts as ApiResult;
        const problem = typeProblem(opts, false);
        if (problem) return problem;
        const videoId = typeof opts.videoId === "string" ? ctx.db.normalizeId("videos", opts.videoId) : null;
        const video = videoId ? await ctx.db.get(videoId) : null;
        if (!video || video.teamId !== key.teamId) return apiError(404, "FILE_NOT_FOUND", "No such video in this key's team.");
        const mint = await rateLimiter.limit(ctx, "apiMintsPerKey", { key: key._id });
        if (!mint.ok) return apiError(429, "RATE_LIMITED", "Too many links created with this key.", mint.retryAfter);
        const created = await createLink(as, { ...(opts as object), videoId: video._id } as Parameters<typeof createLink>[1]);
        return { status: 201, json: await shareJson(ctx, (await ctx.db.get(created.linkId))!) };
      }
      if (args.method === "GET" && !args.id) {
        const videoId = args.query.video_id ? ctx.db.normalizeId("videos", args.query.video_id) : null;
        if (args.query.video_id && !videoId) return apiError(404, "FILE_NOT_FOUND", "No such video.");
        const includeInactive = args.query.include_inactive === "true";
        const links = videoId
          ? await ctx.db.query("shareLinks").withIndex("by_video", (q) => q.eq("videoId", videoId)).order("desc").take(500)
          : await ctx.db.query("shareLinks").withIndex("by_team_expiresAt", (q) => q.eq("teamId", key.teamId)).take(500);
        const now = Date.now();
        const visible = links
          .filter((l) => l.teamId === key.teamId)
          .filter((l) => includeInactive || (l.revokedAt === undefined && (l.expiresAt === undefined || l.expiresAt > now)))
          .sort((a, b) => b._creationTime - a._creationTime);
        return { status: 200, json: { data: await Promise.all(visible.map((l) => shareJson(ctx, l))) } };
      }
      const link = args.id ? await ownLink(ctx, key, args.id) : null;
      if (!link) return apiError(404, "SHARE_NOT_FOUND", "No such share link.");
      if (args.method === "GET") return { status: 200, json: await shareJson(ctx, link) };
      if (args.method === "PATCH") {
        const opts = options(args.body);
        if ("status" in opts) return opts as ApiResult;
        if ("videoId" in opts) return apiError(400, "VALIDATION_ERROR", "video_id cannot be changed.");
        const problem = typeProblem(opts, true);
        if (problem) return problem;
        await updateLink(as, { ...(opts as object), linkId: link._id } as Parameters<typeof updateLink>[1]);
        return { status: 200, json: await shareJson(ctx, (await ctx.db.get(link._id))!) };
      }
      if (args.method === "DELETE") {
        await revokeLink(as, link._id);
        return { status: 204, json: null };
      }
      return apiError(405, "VALIDATION_ERROR", `${args.method} is not supported here.`);
    } catch (error) {
      return fromThrown(error);
    }
  },
});

/** GET /api/v1/public/{tokenOrSlug}: what the link shares; counts a view. */
export const publicInfo = internalMutation({
  args: { tokenOrSlug: v.string(), password: v.optional(v.string()), clientKey: v.string(), clientAddress: v.optional(v.string()) },
  returns: apiResult,
  handler: async (ctx, args): Promise<ApiResult> => {
    const limit = await rateLimiter.limit(ctx, "apiPublicInfo", { key: args.clientKey });
    if (!limit.ok) return apiError(429, "RATE_LIMITED", "Too many requests.", limit.retryAfter);
    const now = Date.now();
    const admission = await admitToLink(ctx, { token: args.tokenOrSlug, password: args.password, viewerId: args.clientKey, clientAddress: args.clientAddress }, now);
    if (!admission.ok) return refusal(admission.reason, Boolean(args.password), admission.retryAfterMs);
    const { link, video } = admission;
    const file = video.storageId ? await ctx.db.system.get(video.storageId) : null;
    if (!file) return apiError(404, "FILE_NOT_FOUND", "The video file is missing.");
    await countView(ctx, link, args.clientKey, admission.newViewer, now);
    return {
      status: 200,
      json: {
        name: video.fileName,
        title: video.title,
        size: file.size,
        content_type: file.contentType ?? "application/octet-stream",
        requires_password: link.passwordHash !== undefined,
        download_url: link.allowDownload ? `${siteOrigin()}/api/v1/public/${encodeURIComponent(args.tokenOrSlug)}/download` : null,
      },
    };
  },
});

/** POST /api/v1/grant: issueAccessGrant with the caller's address (for links with an IP allowlist). */
export const issueGrantOverHttp = internalMutation({
  args: { token: v.string(), password: v.optional(v.string()), viewerId: v.optional(v.string()), clientAddress: v.optional(v.string()), slugTicket: v.optional(v.string()) },
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
    if (!/^[A-Za-z0-9-]{3,64}$/.test(args.slug)) return apiError(400, "VALIDATION_ERROR", "A slug is 3–64 letters, digits and hyphens.");
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

function refusal(reason: string, passwordGiven: boolean, retryAfterMs?: number): ApiResult {
  switch (reason) {
    case "invalidPassword":
      return passwordGiven
        ? apiError(401, "INVALID_PASSWORD", "The password is not right.")
        : apiError(401, "PASSWORD_REQUIRED", "This link needs a password (X-Share-Password).");
    case "rateLimited":
    case "locked":
      return apiError(429, "RATE_LIMITED", "Too many attempts.", retryAfterMs ?? 60_000);
    case "viewLimit":
    case "viewerLimit":
      return apiError(403, "FORBIDDEN", "This link has reached its limit.");
    case "ipCheckRequired":
    case "ipNotAllowed":
      return apiError(403, "FORBIDDEN", "This link cannot be used from your network address.");
    case "expired":
      return apiError(410, "SHARE_NOT_FOUND", "This share link has expired.");
    default:
      return apiError(404, "SHARE_NOT_FOUND", "No such share link.");
  }
}

