/** What members see of one share link: the one validator `shareLinks.list` and `teamLinks.list` share. */
import { v } from "convex/values";
import { linkStatusValidator } from "./validators";

export const linkSummary = v.object({
  linkId: v.id("shareLinks"),
  url: v.union(v.string(), v.null()),
  creatorName: v.string(),
  createdAt: v.number(),
  expiresAt: v.union(v.number(), v.null()),
  allowDownload: v.boolean(),
  allowComments: v.boolean(),
  hasPassword: v.boolean(),
  isExpired: v.boolean(),
  status: linkStatusValidator,
  viewCount: v.number(),
  downloadCount: v.number(),
  lastAccessedAt: v.union(v.number(), v.null()),
  viewerCount: v.number(),
  label: v.union(v.string(), v.null()),
  note: v.union(v.string(), v.null()),
  customSlug: v.union(v.string(), v.null()),
  maxViewers: v.union(v.number(), v.null()),
  maxViews: v.union(v.number(), v.null()),
  maxDownloads: v.union(v.number(), v.null()),
  ipAllowlist: v.union(v.string(), v.null()),
});
