import { v, type Infer } from "convex/values";

export const ROLES = ["owner", "admin", "member", "viewer"] as const;
export const roleValidator = v.union(v.literal("owner"), v.literal("admin"), v.literal("member"), v.literal("viewer"));
export type Role = Infer<typeof roleValidator>;

export const videoStatusValidator = v.union(v.literal("uploading"), v.literal("ready"), v.literal("failed"));
export type VideoStatus = Infer<typeof videoStatusValidator>;

export const linkStatusValidator = v.union(v.literal("active"), v.literal("expired"), v.literal("revoked"));
export type LinkStatus = Infer<typeof linkStatusValidator>;

/** What an upload URL is issued for (lib/uploads.ts). */
export const uploadPurposeValidator = v.union(v.literal("video"), v.literal("poster"));
export type UploadPurpose = Infer<typeof uploadPurposeValidator>;
