/** Share-link policies: limits, label and note, exact expiry, custom slugs. Validated once, used by create and update. */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { appError, invalid } from "./errors";
import { parseAllowlist } from "./ip";
import { optionalText } from "./text";

const MAX_EXPIRY_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/** Optional on create; on update `null` clears. */
const nullable = <T extends ReturnType<typeof v.number> | ReturnType<typeof v.string>>(x: T) => v.optional(v.union(x, v.null()));
export const policyArgs = {
  expiresAt: nullable(v.number()),
  maxViewers: nullable(v.number()),
  maxViews: nullable(v.number()),
  maxDownloads: nullable(v.number()),
  label: nullable(v.string()),
  note: nullable(v.string()),
  customSlug: nullable(v.string()),
  /** Comma-separated IPv4/IPv6 addresses and CIDR ranges. */
  ipAllowlist: nullable(v.string()),
};
export type PolicyArgs = {
  expiresAt?: number | null;
  maxViewers?: number | null;
  maxViews?: number | null;
  maxDownloads?: number | null;
  label?: string | null;
  note?: string | null;
  customSlug?: string | null;
  ipAllowlist?: string | null;
};

function limit(value: number | null | undefined, what: string) {
  if (value === undefined || value === null) return value;
  if (!Number.isInteger(value) || value < 1 || value > 1_000_000) throw invalid(`${what} must be a whole number from 1 to 1,000,000.`);
  return value;
}

export function checkSlug(slug: string): string {
  if (!/^[A-Za-z0-9-]{3,64}$/.test(slug)) {
    throw invalid("A custom slug is 3–64 characters: letters, digits and hyphens.");
  }
  return slug;
}

/** The link behind a custom slug (case-insensitive). */
export async function findLinkBySlug(ctx: QueryCtx, slug: string) {
  if (!/^[A-Za-z0-9-]{3,64}$/.test(slug)) return null;
  return await ctx.db
    .query("shareLinks")
    .withIndex("by_slugKey", (q) => q.eq("slugKey", slug.toLowerCase()))
    .unique();
}

/**
 * The document fields for the policy arguments given (undefined = leave as is, null = clear).
 * `expiresAt` is an exact UTC time in the future; `self` is the link being updated, if any.
 */
export async function policyPatch(ctx: QueryCtx, args: PolicyArgs, now: number, self?: Doc<"shareLinks">) {
  const patch: Partial<Doc<"shareLinks">> = {};
  const set = <K extends keyof Doc<"shareLinks">>(key: K, value: Doc<"shareLinks">[K] | null | undefined) => {
    if (value !== undefined) patch[key] = (value === null ? undefined : value) as Doc<"shareLinks">[K];
  };
  if (args.expiresAt !== undefined && args.expiresAt !== null) {
    if (!Number.isFinite(args.expiresAt) || args.expiresAt <= now || args.expiresAt > now + MAX_EXPIRY_MS) {
      throw invalid("The expiry must be a time in the future (within 10 years).");
    }
  }
  set("expiresAt", args.expiresAt);
  set("maxViewers", limit(args.maxViewers, "The viewer limit"));
  set("maxViews", limit(args.maxViews, "The view limit"));
  set("maxDownloads", limit(args.maxDownloads, "The download limit"));
  set("label", args.label === null ? null : args.label === undefined ? undefined : optionalText(args.label, "Label", 120) || null);
  set("note", args.note === null ? null : args.note === undefined ? undefined : optionalText(args.note, "Note", 2000) || null);
  if (args.ipAllowlist !== undefined) patch.ipAllowlist = args.ipAllowlist === null ? undefined : parseAllowlist(args.ipAllowlist);
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
