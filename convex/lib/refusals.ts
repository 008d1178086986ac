/**
 * Why someone may not watch (or download) right now: the one vocabulary every surface shares.
 * `refusalValidator` is the reason; `REFUSALS` (./refusalTable.ts, re-exported here) maps each
 * reason to what each surface needs — the HTTP status and API code (media routes, /api/v1), a
 * short title (share page heading, access log) and the words people read. A new reason does not
 * compile until it has all of them. Imported by src/ too: nothing here touches the server.
 */
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";
import { REFUSALS, type RefusalFacts } from "./refusalTable";

export const refusalValidator = literals(
  /** No such link (never issued, revoked, deleted), or its video is gone. */
  "missing",
  /** The link has expired. */
  "expired",
  /** The access grant ran out (its link may still be fine: open the link again). */
  "grantExpired",
  /** The grant is unknown, malformed, or was issued under a password that has since changed. */
  "grantInvalid",
  "passwordRequired",
  "invalidPassword",
  "rateLimited",
  /** Too many wrong passwords in a row from this viewer. */
  "locked",
  "viewLimit",
  "viewerLimit",
  "downloadLimit",
  "downloadDisabled",
  /** The link has an IP allowlist and the caller's address is unknown (ask over HTTP). */
  "ipCheckRequired",
  "ipNotAllowed",
  /** A full GET of a file larger than one response may carry (Convex: 20 MiB): ask in ranges. */
  "rangeRequired",
  /** The link does not take guest comments (the option is off). */
  "commentsOff",
  /** A guest's comments come faster than the link takes them (per viewer, or the link's whole audience). */
  "commentsTooFast",
);
export type Refusal = Infer<typeof refusalValidator>;

/** A refusal as functions return it; `retryAfterMs` for the reasons that pass with time. */
export const refusedValidator = v.object({ ok: v.literal(false), reason: refusalValidator, retryAfterMs: v.optional(v.number()) });
export type Refused = Infer<typeof refusedValidator>;

export const refuse = (reason: Refusal, retryAfterMs?: number): Refused =>
  retryAfterMs === undefined ? { ok: false, reason } : { ok: false, reason, retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) };

export { REFUSALS, type RefusalFacts };

export const REFUSAL_REASONS: readonly Refusal[] = refusalValidator.members.map((member) => member.value);

export function isRefusal(value: unknown): value is Refusal {
  return REFUSAL_REASONS.some((reason) => reason === value);
}

/** The HTTP answer to a refusal, the same on every route: status, `{ error: { code, message } }`, Retry-After. */
export function refusalHttp(
  reason: Refusal,
  retryAfterMs?: number,
): { status: number; code: string; message: string; retryAfterSeconds?: number } {
  const facts: RefusalFacts = REFUSALS[reason];
  const message = facts.apiHint ? `${facts.words} ${facts.apiHint}` : facts.words;
  if (!facts.retry) return { status: facts.status, code: facts.code, message };
  return { status: facts.status, code: facts.code, message, retryAfterSeconds: Math.max(1, Math.ceil((retryAfterMs ?? 60_000) / 1000)) };
}
