import { httpRouter } from "convex/server";
import { internal } from "./_generated/api";
import { httpAction } from "./_generated/server";
import { auth } from "./auth";
import { jsonError } from "./lib/mediaHeaders";
import { mediaResponse, refusal, startsAtZero } from "./lib/mediaResponse";
import { sha256Hex } from "./lib/tokens";

const http = httpRouter();
auth.addHttpRoutes(http);

/**
 * GET|HEAD /media/<grantToken>[/download]: every request re-checks the grant and its link.
 * 401 unknown grant, 410 expired, 404 link or video gone, 403 download not allowed, 429 too many.
 */
const serveGrantMedia = httpAction(async (ctx, request) => {
  const parts = new URL(request.url).pathname.split("/").filter(Boolean); // ["media", token, "download"?]
  const [, grantToken = "", extra] = parts;
  const download = extra === "download";
  if (parts.length > 3 || (extra !== undefined && !download)) return jsonError(404, "NOT_FOUND", "No such media route.");
  const media = await ctx.runMutation(internal.media.openGrant, { grantToken, downloadStarted: download && startsAtZero(request) });
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
  const parts = new URL(request.url).pathname.split("/").filter(Boolean); // ["s", token, "download"?]
  const [, token = "", extra] = parts;
  const download = extra === "download";
  if (parts.length > 3 || (extra !== undefined && !download)) return jsonError(404, "NOT_FOUND", "No such route.");
  const client = request.headers.get("X-Forwarded-For")?.split(",")[0]?.trim() || request.headers.get("X-Real-IP") || "unknown";
  const media = await ctx.runMutation(internal.media.openLink, {
    token,
    password: request.headers.get("X-Share-Password") ?? undefined,
    clientKey: `raw-${(await sha256Hex(client)).slice(0, 32)}`,
    viewStarted: !download && startsAtZero(request),
    downloadStarted: download && startsAtZero(request),
  });
  if (media.kind !== "ok") return refusal(media);
  if (download && !media.allowDownload) return jsonError(403, "DOWNLOAD_DISABLED", "Downloads are turned off for this link.");
  return await mediaResponse(request, media, { download, getBlob: () => ctx.storage.get(media.storageId) });
});

// HEAD requests are routed to GET handlers (by Convex and the local backend); the body is dropped.
http.route({ pathPrefix: "/media/", method: "GET", handler: serveGrantMedia });
http.route({ pathPrefix: "/s/", method: "GET", handler: serveRawLink });

export default http;
