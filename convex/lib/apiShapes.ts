/**
 * What /api/v1 accepts: the JSON bodies as validators (snake_case, unknown fields refused), and
 * their translation into the link settings of lib/linkSettings.ts. http.ts validates a body
 * with these before anything runs; apiV1.ts's mutations take the validated bodies as arguments.
 */
import { v, type Infer } from "convex/values";
import { invalid } from "./errors";
import type { CreateLinkArgs, PolicyArgs, UpdateLinkArgs } from "./linkSettings";

const settingFields = {
  expires_in_days: v.number(),
  /** ISO 8601 date-time (or milliseconds since the epoch). */
  expires_at: v.union(v.string(), v.number()),
  allow_download: v.boolean(),
  allow_comments: v.boolean(),
  password: v.string(),
  label: v.string(),
  note: v.string(),
  custom_slug: v.string(),
  max_viewers: v.number(),
  max_views: v.number(),
  max_downloads: v.number(),
};
const clearable = <T extends (typeof settingFields)[keyof typeof settingFields]>(x: T) => v.optional(v.union(x, v.null()));

/** POST /api/v1/shares */
export const createShareBody = v.object({
  /** What the link opens: a video or a collection (exactly one). */
  video_id: v.optional(v.string()),
  collection_id: v.optional(v.string()),
  expires_in_days: v.optional(settingFields.expires_in_days),
  expires_at: v.optional(settingFields.expires_at),
  allow_download: v.optional(settingFields.allow_download),
  allow_comments: v.optional(settingFields.allow_comments),
  password: v.optional(settingFields.password),
  label: v.optional(settingFields.label),
  note: v.optional(settingFields.note),
  custom_slug: v.optional(settingFields.custom_slug),
  max_viewers: v.optional(settingFields.max_viewers),
  max_views: v.optional(settingFields.max_views),
  max_downloads: v.optional(settingFields.max_downloads),
});
export type CreateShareBody = Infer<typeof createShareBody>;

/** PATCH /api/v1/shares/{id}: `null` clears a setting. */
export const updateShareBody = v.object({
  expires_in_days: clearable(settingFields.expires_in_days),
  expires_at: clearable(settingFields.expires_at),
  allow_download: v.optional(settingFields.allow_download),
  allow_comments: v.optional(settingFields.allow_comments),
  password: clearable(settingFields.password),
  label: clearable(settingFields.label),
  note: clearable(settingFields.note),
  custom_slug: clearable(settingFields.custom_slug),
  max_viewers: clearable(settingFields.max_viewers),
  max_views: clearable(settingFields.max_views),
  max_downloads: clearable(settingFields.max_downloads),
});
export type UpdateShareBody = Infer<typeof updateShareBody>;

/** POST /api/v1/grant (the share page) */
export const grantBody = v.object({
  /** The link token or custom slug. */
  token: v.string(),
  password: v.optional(v.string()),
  viewerId: v.optional(v.string()),
  slugTicket: v.optional(v.string()),
});

/** POST /api/v1/resolve */
export const resolveBody = v.object({ slug: v.string() });

/** Friendlier words than "unknown field" for fields that exist but may not be sent here. */
export const FIXED_FIELDS: Record<string, string> = {
  video_id: "video_id cannot be changed.",
  collection_id: "collection_id cannot be changed.",
};

function instant(value: string | number | null | undefined): number | null | undefined {
  if (typeof value !== "string") return value;
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw invalid("expires_at must be an ISO 8601 date-time.");
  return at;
}

/** The policies a body asks for, in lib/linkSettings.ts's names (a create body is an update body without nulls). */
function policiesOf(body: UpdateShareBody): PolicyArgs {
  return {
    expiresAt: instant(body.expires_at),
    maxViewers: body.max_viewers,
    maxViews: body.max_views,
    maxDownloads: body.max_downloads,
    label: body.label,
    note: body.note,
    customSlug: body.custom_slug,
  };
}

export function createSettingsOf(body: CreateShareBody): Omit<CreateLinkArgs, "videoId" | "collectionId"> {
  return {
    ...policiesOf(body),
    expiresInDays: body.expires_in_days,
    allowDownload: body.allow_download,
    allowComments: body.allow_comments,
    password: body.password,
  };
}

export function updateSettingsOf(body: UpdateShareBody): Omit<UpdateLinkArgs, "linkId"> {
  return {
    ...policiesOf(body),
    expiresInDays: body.expires_in_days,
    allowDownload: body.allow_download,
    allowComments: body.allow_comments,
    password: body.password,
  };
}
