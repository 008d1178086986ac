import { corsRouter } from "convex-helpers/server/cors";
import { httpRouter } from "convex/server";
import { internal } from "./_generated/api";
import { httpAction, type ActionCtx } from "./_generated/server";
import { auth } from "./auth";
import type { MediaAccess } from "./media";
import { apiKeyOf, apiResponse, clientKeyOf, pathParams, readJsonBody } from "./lib/apiHttp";
import { createShareBody, FIXED_FIELDS, grantBody, resolveBody, updateShareBody } from "./lib/apiShapes";
import { authAttemptHandler } from "./lib/authAttempts";
import { clientAddress } from "./lib/clientAddress";
import { jsonError, PRIVATE_MEDIA_HEADERS } from "./lib/mediaHeaders";
import { mediaResponse, refusalResponse } from "./lib/mediaResponse";
import { byteRequestOf } from "./lib/ranges";
import { apiError } from "./lib/restErrors";

const http = httpRouter();
auth.addHttpRoutes(http);
http.route({ path: "/auth/attempt", method: "POST", handler: httpAction(authAttemptHandler) });

const cors = corsRouter(http, {
  allowedOrigins: ["*"],
  allowedHeaders: ["Content-Type", "Authorization", "X-API-Key", "X-Share-Password", "Range", "If-Range", "If-None-Match"],
  exposedHeaders: ["Content-Range", "Content-Length", "ETag", "Accept-Ranges", "Content-Disposition", "Retry-After"],
  browserCacheMaxAge: 600,
});

/** The file a media route serves: a refusal (lib/refusals.ts) or the bytes asked for. */
async function serveMedia(ctx: ActionCtx, request: Request, media: MediaAccess, download: boolean) {
  if (!media.ok) return refusalResponse(media);
  const { count } = media;
  return await mediaResponse(request, media, {
    download,
    getBlob: (storageId) => ctx.storage.get(storageId),
    // Counted only when the bytes are in hand: an answer that fails counts nothing.
    beforeSend: count
      ? () => ctx.runMutation(internal.media.recordServed, { count, storageId: media.storageId, size: media.size })
      : undefined,
  });
}

/** GET /media/<grant>/poster[?video=<id>]: the poster image, through the same grant checks (media.ts openPoster). */
async function servePoster(ctx: ActionCtx, request: Request, grantToken: string) {
  const access = await ctx.runMutation(internal.media.openPoster, {
    grantToken,
    videoId: new URL(request.url).searchParams.get("video") ?? undefined,
    clientAddress: clientAddress(request),
  });
  if (!access.ok) return refusalResponse(access);
  const blob = await ctx.storage.get(access.storageId);
  if (!blob) return jsonError(404, "FILE_NOT_FOUND", "The poster is missing.");
  // Posters were checked to be images at setPoster; the stored type is served, never sniffed.
  return new Response(request.method === "HEAD" ? null : blob, {
    status: 200,
    headers: { ...PRIVATE_MEDIA_HEADERS, "Content-Type": blob.type || "application/octet-stream", "Content-Length": String(blob.size) },
  });
}

/** `<prefix><token>` or `<prefix><token>/download`; null for any other path. */
function mediaPath(request: Request, prefix: string) {
  const params = pathParams(request, prefix, 1, 2);
  if (!params) return null;
  const [token, extra] = params;
  return extra === undefined || extra === "download" ? { token, download: extra === "download" } : null;
}

/**
 * GET|HEAD /media/<grantToken>[/download]: every request re-checks the grant and its link.
 * Refusals as in lib/refusals.ts (401 unknown grant, 410 expired, 404 gone, 403, 429).
 */
const serveGrantMedia = httpAction(async (ctx, request) => {
  const poster = pathParams(request, "/media/", 2, 2);
  if (poster && poster[1] === "poster") return await servePoster(ctx, request, poster[0]);
  const path = mediaPath(request, "/media/");
  if (!path) return jsonError(404, "NOT_FOUND", "No such media route.");
  const media = await ctx.runMutation(internal.media.openGrant, {
    grantToken: path.token,
    // A collection grant names which of its videos (`?video=<id>`), checked like the grant itself.
    videoId: new URL(request.url).searchParams.get("video") ?? undefined,
    download: path.download,
    request: byteRequestOf(request),
    clientAddress: clientAddress(request),
  });
  return await serveMedia(ctx, request, media, path.download);
});

/**
 * GET|HEAD /s/<linkToken>[/download]: the bytes with a plain GET and no cookies, for <video>
 * tags, unfurlers and scripts. Password links need `X-Share-Password`. Never cached by
 * shared caches, so a revoke wins at once.
 */
const serveRawLink = httpAction(async (ctx, request) => {
  const path = mediaPath(request, "/s/");
  if (!path) return jsonError(404, "NOT_FOUND", "No such route.");
  const media = await ctx.runMutation(internal.media.openLink, {
    token: path.token,
    password: request.headers.get("X-Share-Password") ?? undefined,
    clientKey: await clientKeyOf(request),
    clientAddress: clientAddress(request),
    download: path.download,
    request: byteRequestOf(request),
  });
  return await serveMedia(ctx, request, media, path.download);
});

// ── /api/v1: scripts (API key) and public link routes ─────────────────────────────────────────
const notFound = () => apiResponse(apiError(404, "NOT_FOUND", "No such API route."));

/** The one `{id}` after /api/v1/shares/, or null. */
const shareId = (request: Request) => pathParams(request, "/api/v1/shares/", 1, 1)?.[0] ?? null;

cors.route({
  path: "/api/v1/shares",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
    const body = await readJsonBody(request, createShareBody);
    if (!body.ok) return apiResponse(body.error);
    return apiResponse(await ctx.runMutation(internal.apiV1.createShare, { key: apiKeyOf(request), body: body.value }));
  }),
});
cors.route({
  path: "/api/v1/shares",
  method: "GET",
  handler: httpAction(async (ctx, request) => {
    const query = new URL(request.url).searchParams;
    return apiResponse(
      await ctx.runMutation(internal.apiV1.listShares, {
        key: apiKeyOf(request),
        videoId: query.get("video_id") || undefined,
        collectionId: query.get("collection_id") || undefined,
        includeInactive: query.get("include_inactive") === "true",
      }),
    );
  }),
});
cors.route({
  pathPrefix: "/api/v1/shares/",
  method: "GET",
  handler: httpAction(async (ctx, request) => {
    const id = shareId(request);
    return id === null ? notFound() : apiResponse(await ctx.runMutation(internal.apiV1.getShare, { key: apiKeyOf(request), id }));
  }),
});
cors.route({
  pathPrefix: "/api/v1/shares/",
  method: "PATCH",
  handler: httpAction(async (ctx, request) => {
    const id = shareId(request);
    if (id === null) return notFound();
    const body = await readJsonBody(request, updateShareBody, FIXED_FIELDS);
    if (!body.ok) return apiResponse(body.error);
    return apiResponse(await ctx.runMutation(internal.apiV1.updateShare, { key: apiKeyOf(request), id, body: body.value }));
  }),
});
cors.route({
  pathPrefix: "/api/v1/shares/",
  method: "DELETE",
  handler: httpAction(async (ctx, request) => {
    const id = shareId(request);
    return id === null ? notFound() : apiResponse(await ctx.runMutation(internal.apiV1.revokeShare, { key: apiKeyOf(request), id }));
  }),
});

/** GET /api/v1/public/{tokenOrSlug} (what it shares) and …/download (the file). */
cors.route({
  pathPrefix: "/api/v1/public/",
  method: "GET",
  handler: httpAction(async (ctx, request) => {
    const path = mediaPath(request, "/api/v1/public/");
    if (!path) return notFound();
    const password = request.headers.get("X-Share-Password") ?? undefined;
    const clientKey = await clientKeyOf(request);
    if (!path.download) {
      return apiResponse(
        await ctx.runMutation(internal.apiV1.publicInfo, {
          tokenOrSlug: path.token,
          password,
          clientKey,
          clientAddress: clientAddress(request),
          countsView: request.method !== "HEAD",
        }),
      );
    }
    const limited = await ctx.runMutation(internal.apiV1.publicDownloadBudget, { clientKey });
    if (limited) return apiResponse(limited);
    const media = await ctx.runMutation(internal.media.openLink, {
      token: path.token,
      password,
      clientKey,
      clientAddress: clientAddress(request),
      download: true,
      request: byteRequestOf(request),
    });
    return await serveMedia(ctx, request, media, true);
  }),
});

/** POST /api/v1/grant: the share page asks here, where the client address is known. */
cors.route({
  path: "/api/v1/grant",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
    const body = await readJsonBody(request, grantBody);
    if (!body.ok) return apiResponse(body.error);
    return apiResponse(await ctx.runMutation(internal.apiV1.issueGrantOverHttp, { ...body.value, clientAddress: clientAddress(request) }));
  }),
});

/** POST /api/v1/resolve: a slug ticket for the share page's reactive queries (lib/slugTickets.ts). */
cors.route({
  path: "/api/v1/resolve",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
    const body = await readJsonBody(request, resolveBody);
    if (!body.ok) return apiResponse(body.error);
    return apiResponse(await ctx.runMutation(internal.apiV1.resolveSlug, { slug: body.value.slug, clientAddress: clientAddress(request) }));
  }),
});

for (const method of ["GET", "POST", "PATCH", "DELETE"] as const)
  cors.route({ pathPrefix: "/api/v1/", method, handler: httpAction(async () => notFound()) });

// HEAD requests are routed to GET handlers (by Convex and the local backend); the body is dropped.
cors.route({ pathPrefix: "/media/", method: "GET", handler: serveGrantMedia });
cors.route({ pathPrefix: "/s/", method: "GET", handler: serveRawLink });

export default http;
