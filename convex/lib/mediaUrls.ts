/**
 * The gated addresses a grant (a viewer's or a member's) opens on the HTTP routes (http.ts):
 * the video, its download and its poster, each re-checked per request (media.ts). For a
 * collection grant, `videoId` names which of its videos (`?video=<id>`). No raw storage URL
 * ever reaches a browser: it is a bearer URL that outlives a revoke or a membership.
 */
import type { Id } from "../_generated/dataModel";
import { siteOrigin } from "./env";

export function grantUrls(grantToken: string, videoId?: Id<"videos">) {
  const base = `${siteOrigin()}/media/${grantToken}`;
  const which = videoId === undefined ? "" : `?video=${videoId}`;
  return { mediaUrl: `${base}${which}`, downloadUrl: `${base}/download${which}`, posterUrl: `${base}/poster${which}` };
}
