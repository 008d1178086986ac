/**
 * Share-link settings, in one place: the argument validators (types inferred from them), the
 * expiry rule, the password rules, and the document patch for the policies (limits, label and
 * note, custom slug, IP allowlist). Used by shareLinks.create/update and the HTTP API alike.
 */
import bcrypt from "bcryptjs";
import { v, type Infer, type ObjectType } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { appError, invalid } from "./errors";
import { parseAllowlist } from "./ip";
import { optionalText } from "./text";
import { looksLikeSlug } from "./tokens";

/** Optional on create; on update `null` clears. */
const clearable = <T extends ReturnType<typeof v.number> | ReturnType<typeof v.string>>(x: T) => v.optional(v.union(x, v.null()));

export const policyArgs = {
  /** An exact UTC time (ms) in the future, within 10 years. */
  expiresAt: clearable(v.number()),
  maxViewers: clearable(v.number()),
  maxViews: clearable(v.number()),
  maxDownloads: clearable(v.number()),
  label: clearable(v.string()),
  note: clearable(v.string()),
  customSlug: clearable(v.string()),
  /** Comma-separated IPv4/IPv6 addresses and CIDR ranges. */
  ipAllowlist: clearable(v.string()),
};
export type PolicyArgs = ObjectType<typeof policyArgs>;

export const createLinkArgs = {
  /** What the link opens: a video, or a collection (give exactly one). */
  videoId: v.optional(v.id("videos")),
  collectionId: v.optional(v.id("collections")),
  /** Whole days from now, 1–365 (or `expiresAt`, not both). */
  expiresInDays: v.optional(v.number()),
  allowDownload: v.optional(v.boolean()),
  /** Guests read the video's comments and post their own (off unless true). */
  allowComments: v.optional(v.boolean()),
  password: v.optional(v.string()),
  ...policyArgs,
};
export const createLinkValidator = v.object(createLinkArgs);
export type CreateLinkArgs = Infer<typeof createLinkValidator>;

export const updateLinkArgs = {
  linkId: v.id("shareLinks"),
  expiresInDays: clearable(v.number()),
  allowDownload: v.optional(v.boolean()),
  allowComments: v.optional(v.boolean()),
  /** A new password (every grant stops working), or null to remove it. */
  password: clearable(v.string()),
  ...policyArgs,
};
export const updateLinkValidator = v.object(updateLinkArgs);
export type UpdateLinkArgs = Infer<typeof updateLinkValidator>;

// ── Expiry ──────────────────────────────────────────────────────────────────────────────────
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_EXPIRY_MS = 10 * 365 * DAY_MS;

/**
 * The expiry the arguments ask for — `undefined`: leave as is, `null`: never expires — from
 * whole days (1–365) or an exact future time (within 10 years), never both.
 */
export function requestedExpiry(
  args: { expiresInDays?: number | null; expiresAt?: number | null },
  now: number,
): number | null | undefined {
  const { expiresInDays: days, expiresAt: at } = args;
  if (days !== undefined && days !== null && at !== undefined && at !== null)
    throw invalid("Give either expiresInDays or expiresAt, not both.");
  if (days !== undefined && days !== null) {
    if (!Number.isInteger(days) || days < 1 || days > 365) throw invalid("Expiry must be a whole number of days from 1 to 365.");
    return now + days * DAY_MS;
  }
  if (at !== undefined && at !== null) {
    if (!Number.isFinite(at) || at <= now || at > now + MAX_EXPIRY_MS)
      throw invalid("The expiry must be a time in the future (within 10 years).");
    return at;
  }
  return days === null || at === null ? null : undefined;
}

// ── Passwords ───────────────────────────────────────────────────────────────────────────────
export const BCRYPT_COST = 10;
export const MAX_PASSWORD_BYTES = 72; // bcrypt reads no further

export function hashLinkPassword(password: string): string {
  const bytes = new TextEncoder().encode(password).length;
  if (bytes === 0) throw invalid("The password cannot be empty.");
  if (bytes > MAX_PASSWORD_BYTES) {
    throw appError("PASSWORD_TOO_LONG", `The password is ${bytes} bytes long; the limit is ${MAX_PASSWORD_BYTES} bytes (UTF-8).`);
  }
  return bcrypt.hashSync(password, BCRYPT_COST);
}

export function passwordMatches(password: string, hash: string): boolean {
  if (new TextEncoder().encode(password).length > MAX_PASSWORD_BYTES) return false;
  return bcrypt.compareSync(password, hash);
}

// ── Policies ────────────────────────────────────────────────────────────────────────────────

function limit(value: number | null | undefined, what: string) {
  if (value === undefined || value === null) return value;
  if (!Number.isInteger(value) || value < 1 || value > 1_000_000) throw invalid(`${what} must be a whole number from 1 to 1,000,000.`);
  return value;
}

export function checkSlug(slug: string): string {
  if (!looksLikeSlug(slug)) throw invalid("A custom slug is 3–64 characters: letters, digits and hyphens.");
  return slug;
}

/** The link behind a custom slug (case-insensitive). */
export async function findLinkBySlug(ctx: QueryCtx, slug: string) {
  if (!looksLikeSlug(slug)) return null;
  return await ctx.db
    .query("shareLinks")
    .withIndex("by_slugKey", (q) => q.eq("slugKey", slug.toLowerCase()))
    .unique();
}

/**
 * The document fields for the policy arguments given (undefined = leave as is, null = clear),
 * the expiry excepted (`requestedExpiry`). `self` is the link being updated, if any.
 */
export async function policyPatch(ctx: QueryCtx, args: PolicyArgs, self?: Doc<"shareLinks">) {
  const patch: Partial<Doc<"shareLinks">> = {};
  const clearOr = <T>(value: T | null | undefined, set: (value: T | undefined) => void) => {
    if (value !== undefined) set(value === null ? undefined : value);
  };
  clearOr(limit(args.maxViewers, "The viewer limit"), (x) => (patch.maxViewers = x));
  clearOr(limit(args.maxViews, "The view limit"), (x) => (patch.maxViews = x));
  clearOr(limit(args.maxDownloads, "The download limit"), (x) => (patch.maxDownloads = x));
  clearOr(args.label, (x) => (patch.label = x === undefined ? undefined : optionalText(x, "Label", 120) || undefined));
  clearOr(args.note, (x) => (patch.note = x === undefined ? undefined : optionalText(x, "Note", 2000) || undefined));
  clearOr(args.ipAllowlist, (x) => (patch.ipAllowlist = x === undefined ? undefined : parseAllowlist(x)));
  if (args.customSlug !== undefined) {
    if (args.customSlug === null) {
      patch.customSlug = undefined;
      patch.slugKey = undefined;
    } else {
      const slug = checkSlug(args.customSlug.trim());
      const taken = await findLinkBySlug(ctx, slug);
      if (taken && taken._id !== self?._id) throw appError("SLUG_TAKEN", `The slug "${slug}" is already in use.`);
      patch.customSlug = slug;
      patch.slugKey = slug.toLowerCase();
    }
  }
  return patch;
}
