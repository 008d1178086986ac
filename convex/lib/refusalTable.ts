/**
 * The table of convex/lib/refusals.ts: for each refusal reason, its HTTP status, API code, title
 * and words. In a module of its own, without validators, so the share page's bundle carries the
 * words and not convex/values' validator code (`npm run size`).
 */
import type { Refusal } from "./refusals";

export type RefusalFacts = {
  /** The HTTP status on every route (media, raw link, /api/v1). */
  status: 400 | 401 | 403 | 404 | 410 | 429;
  /** The API error code (`{ "error": { "code" } }`), documented in docs/openapi.json. */
  code: string;
  /** Short, for headings and the access log. */
  title: string;
  /** What the person refused reads. */
  words: string;
  /** Added to the API message for scripts (which header to send, and so on). */
  apiHint?: string;
  /** Answered with `Retry-After` (the wait, or a minute when unknown). */
  retry?: true;
};

export const REFUSALS = {
  missing: { status: 404, code: "SHARE_NOT_FOUND", title: "Link not found", words: "This share link does not exist or has been revoked." },
  expired: {
    status: 410,
    code: "SHARE_EXPIRED",
    title: "Link expired",
    words: "This share link has expired. Ask the sender for a new one.",
  },
  grantExpired: {
    status: 410,
    code: "GRANT_EXPIRED",
    title: "Access expired",
    words: "This access has expired. Open the share link again.",
  },
  grantInvalid: {
    status: 401,
    code: "INVALID_GRANT",
    title: "Access not valid",
    words: "This access is no longer valid. Open the share link again.",
  },
  passwordRequired: {
    status: 401,
    code: "PASSWORD_REQUIRED",
    title: "Password required",
    words: "This link needs a password.",
    apiHint: "Send it in the X-Share-Password header.",
  },
  invalidPassword: { status: 401, code: "INVALID_PASSWORD", title: "Wrong password", words: "That password is not right." },
  rateLimited: {
    status: 429,
    code: "RATE_LIMITED",
    title: "Too many attempts",
    words: "Too many attempts from your network right now.",
    retry: true,
  },
  locked: {
    status: 429,
    code: "RATE_LIMITED",
    title: "Too many attempts",
    words: "Too many wrong passwords from this browser.",
    retry: true,
  },
  viewLimit: {
    status: 403,
    code: "LIMIT_REACHED",
    title: "Link limit reached",
    words: "This link has reached its view limit. Ask the sender for a new one.",
  },
  viewerLimit: {
    status: 403,
    code: "LIMIT_REACHED",
    title: "Link limit reached",
    words: "This link has reached its viewer limit. Ask the sender for a new one.",
  },
  downloadLimit: {
    status: 403,
    code: "DOWNLOAD_LIMIT_REACHED",
    title: "Download limit reached",
    words: "This link has reached its download limit.",
  },
  downloadDisabled: { status: 403, code: "DOWNLOAD_DISABLED", title: "Downloads off", words: "Downloads are turned off for this link." },
  ipCheckRequired: {
    status: 403,
    code: "FORBIDDEN",
    title: "Network check needed",
    words: "This link only opens from certain networks, and yours could not be checked.",
  },
  ipNotAllowed: { status: 403, code: "FORBIDDEN", title: "Network not allowed", words: "This link cannot be opened from your network." },
  rangeRequired: {
    status: 400,
    code: "RANGE_REQUIRED",
    title: "Too large for one response",
    words: "This video is too large to send in one response; it has to be fetched in parts.",
    apiHint: "Send Range: bytes=N- requests; each 206 answer carries at most one 8 MiB chunk and its Content-Range gives the total size.",
  },
  commentsOff: { status: 403, code: "COMMENTS_DISABLED", title: "Comments off", words: "Comments are turned off for this link." },
  commentsTooFast: {
    status: 429,
    code: "RATE_LIMITED",
    title: "Too many comments",
    words: "Comments are coming in faster than this link takes them.",
    retry: true,
  },
} as const satisfies Record<Refusal, RefusalFacts>;

/**
 * The reason behind an API code read back from a refusal's body (a client that has only the
 * response, like the share page's downloads). Where two reasons share a code, the first listed.
 */
export function refusalOfCode(code: string): Refusal | null {
  for (const [reason, facts] of Object.entries(REFUSALS) as Array<[Refusal, RefusalFacts]>) if (facts.code === code) return reason;
  return null;
}
