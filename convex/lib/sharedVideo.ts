/**
 * What a share link's viewer is told, for video and collection links alike: each video they may
 * play (its words and gated addresses) and the terms of their grant. `videos.getByShareGrant` and
 * `collections.getByShareGrant` return these fields; validators and values are written once here.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { grantUrls } from "./mediaUrls";

export const sharedVideoFields = {
  title: v.string(),
  description: v.string(),
  durationSeconds: v.union(v.number(), v.null()),
  mediaUrl: v.string(),
  downloadUrl: v.union(v.string(), v.null()),
};

export const grantTermsFields = {
  note: v.union(v.string(), v.null()),
  canDownload: v.boolean(),
  grantExpiresAt: v.number(),
  /** The link's own expiry (null: never), what a viewer is told: the page renews its grant until then. */
  linkExpiresAt: v.union(v.number(), v.null()),
};

/** One video through the grant: a collection grant names which of its videos (`videoId`). */
export function sharedVideo(video: Doc<"videos">, link: Doc<"shareLinks">, grantToken: string, videoId?: Id<"videos">) {
  const urls = grantUrls(grantToken, videoId);
  return {
    title: video.title,
    description: video.description,
    durationSeconds: video.durationSeconds ?? null,
    mediaUrl: urls.mediaUrl,
    downloadUrl: link.allowDownload ? urls.downloadUrl : null,
  };
}

/** The link's note and download right, and when the grant stops working (its own expiry or the link's). */
export function grantTerms(link: Doc<"shareLinks">, grant: Doc<"shareGrants">) {
  return {
    note: link.note ?? null,
    canDownload: link.allowDownload,
    grantExpiresAt: Math.min(grant.expiresAt, link.expiresAt ?? Number.POSITIVE_INFINITY),
    linkExpiresAt: link.expiresAt ?? null,
  };
}
