import { httpRouter } from "convex/server";
import { internal } from "./_generated/api";
import { httpAction } from "./_generated/server";
import { auth } from "./auth";
import { authAttemptHandler } from "./lib/authAttempts";
import { jsonError } from "./lib/mediaHeaders";
import { mediaResponse, parseMediaPath, refusal } from "./lib/mediaResponse";
import { byteRequestOf } from "./lib/ranges";
import { clientAddress } from "./lib/clientAddress";
import { apiError, type ApiResult } from "./lib/restErrors";
import { sha256Hex } from "./lib/tokens";

const http = httpRouter();
auth.addHttpRoutes(http);
http.route({ path: "/auth/attempt", method: "POST", handler: httpAction(authAttemptHandler) });

/**
 * GET|HEAD /media/<grantToken>[/download]: every request re-checks the grant and its link.
 * 401 unknown grant, 410 expired, 404 link or video gone, 403 download not allowed, 429 too many.
 */
const serveGrantMedia = httpAction(async (ctx, request) => {
  const path = parseMediaPath(request);
  if (!path) return jsonError(404, "NOT_FOUND", "No such media route.");
  const { token: grantToken, download } = path;
  const media = await ctx.runMutation(internal.media.openGrant, {
    grantToken,
    download,
    request: byteRequestOf(request),
    clientAddress: clientAddress(request),
  });
  if (media.kind !== "ok") return refusal(media);
  if (download && !media.allowDownload) return jsonError(403, "DOWNLOAD_DISABLED", "Downloads are turned off for this link.");
  return await mediaResponse(request, media, { download, getBlob: () => ctx.storage.get(media.storageId) });
});

/**
 * GET|HEAD /s/<linkToken>[/download]: the bytes with a plain GET and no cookies, for <video>
 * tags, unfurlers and scripts. Password links need `X-Share-Password`. Never cached by
 * shared caches, so a revoke wins at once.
 */
const serveRawLink = httpAction(async (ctx, request) => {
  const path = parseMediaPath(request);
  if (!path) return jsonError(404, "NOT_FOUND", "No such route.");
  const { token, download } = path;
  const media = await ctx.runMutation(internal.media.openLink, {
    token,
    password: request.headers.get("X-Share-Password") ?? undefined,
    clientKey: await clientKey(request),
    clientAddress: clientAddress(request),
    download,
    request: byteRequestOf(request),
  });
  if (media.kind !== "ok") return refusal(media);
  if (download && !media.allowDownload) return jsonError(403, "DOWNLOAD_DISABLED", "Downloads are turned off for this link.");
  return await mediaResponse(request, media, { download, getBlob: () => ctx.storage.get(media.storageId) });
});

function json(result: ApiResult) {
  const headers: Record<string, string> = { "Content-Type": "application/json", "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*" };
  if (result.retryAfterSeconds !== undefined) headers["Retry-After"] = String(result.retryAfterSeconds);
  return new Response(result.status === 204 ? null : JSON.stringify(result.json), { status: result.status, headers });
}

/** A rate-limit key for the caller's address (hashed, so logs and limits hold no raw address). */
async function clientKey(request: Request) {
  return `raw-${(await sha256Hex(clientAddress(request) ?? "unknown")).slice(0, 32)}`;
}

/** The HTTP API for scripts: /api/v1/shares[/{id}] with an API key, /api/v1/public/{tokenOrSlug}[/download]. */
const apiV1 = httpAction(async (ctx, request) => {
  const url = new URL(request.url);
  const parts = url.pathname.split("/").filter(Boolean).slice(2).map(decodeURIComponent); // after "api", "v1"
  if (parts[0] === "shares" && parts.length <= 2) {
    let body: unknown;
    if (request.method === "POST" || request.method === "PATCH") {
      try {
        body = await request.json();
      } catch {
        return json(apiError(400, "VALIDATION_ERROR", "The body must be JSON."));
      }
    }
    const auth = request.headers.get("Authorization");
    const key = auth?.startsWith("Bearer ") ? auth.slice(7) : (request.headers.get("X-API-Key") ?? undefined);
    return json(
      await ctx.runMutation(internal.apiV1.shares, {
        method: request.method,
        id: parts[1],
        key,
        query: Object.fromEntries(url.searchParams),
        body,
      }),
    );
  }
  if (parts[0] === "public" && parts[1] && request.method === "GET") {
    const password = request.headers.get("X-Share-Password") ?? undefined;
    if (parts.length === 2) {
      return json(
        await ctx.runMutation(internal.apiV1.publicInfo, { tokenOrSlug: parts[1], password, clientKey: await clientKey(request), clientAddress: clientAddress(request) }),
      );
    }
    if (parts.length === 3 && parts[2] === "download") {
      const key = await clientKey(request);
      const limited = await ctx.runMutation(internal.apiV1.publicDownloadBudget, { clientKey: key });
      if (limited) return json(limited);
      const media = await ctx.runMutation(internal.media.openLink, {
        token: parts[1],
        password,
        clientKey: key,
        clientAddress: clientAddress(request),
        download: true,
        request: byteRequestOf(request),
      });
      if (media.kind !== "ok") return refusal(media);
      if (!media.allowDownload) return jsonError(403, "DOWNLOAD_DISABLED", "Downloads are turned off for this link.");
      return await mediaResponse(request, media, { download: true, getBlob: () => ctx.storage.get(media.storageId) });
    }
  }
  if (parts[0] === "grant" && parts.length === 1 && request.method === "POST") {
    // The share page asks here for links with an IP allowlist: the client address is known on HTTP.
    let body: { token?: unknown; password?: unknown; viewerId?: unknown; slugTicket?: unknown };
    try {
      body = (await request.json()) as typeof body;
    } catch {
      return json(apiError(400, "VALIDATION_ERROR", "The body must be JSON."));
    }
    if (typeof body !== "object" || body === null) return json(apiError(400, "VALIDATION_ERROR", "The body must be a JSON object."));
    const str = (x: unknown) => (typeof x === "string" ? x : undefined);
    if (!str(body.token)) return json(apiError(400, "VALIDATION_ERROR", "token is required."));
    return json(
      await ctx.runMutation(internal.apiV1.issueGrantOverHttp, {
        token: str(body.token)!,
        password: str(body.password),
        viewerId: str(body.viewerId),
        slugTicket: str(body.slugTicket),
        clientAddress: clientAddress(request),
      }),
    );
  }
  if (parts[0] === "resolve" && parts.length === 1 && request.method === "POST") {
    // A slug ticket for the share page's reactive queries (lib/slugTickets.ts).
    let body: { slug?: unknown };
    try {
      body = (await request.json()) as typeof body;
    } catch {
      return json(apiError(400, "VALIDATION_ERROR", "The body must be JSON."));
    }
    if (typeof body !== "object" || body === null || typeof body.slug !== "string") return json(apiError(400, "VALIDATION_ERROR", "slug is required."));
    return json(await ctx.runMutation(internal.apiV1.resolveSlug, { slug: body.slug, clientAddress: clientAddress(request) }));
  }
  return json(apiError(404, "NOT_FOUND", "No such API route."));
});

const preflight = httpAction(async () =>
  new Response(null, {
    status: 204,
    headers: {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
      "Access-Control-Allow-Headers": "Content-Type, Authorization, X-API-Key, X-Share-Password",
      "Access-Control-Max-Age": "600",
    },
  }),
);
http.route({ pathPrefix: "/api/v1/", method: "OPTIONS", handler: preflight });

for (const method of ["GET", "POST", "PATCH", "DELETE"] as const) http.route({ pathPrefix: "/api/v1/", method, handler: apiV1 });

// HEAD requests are routed to GET handlers (by Convex and the local backend); the body is dropped.
http.route({ pathPrefix: "/media/", method: "GET", handler: serveGrantMedia });
http.route({ pathPrefix: "/s/", method: "GET", handler: serveRawLink });

export default http;
