/**
 * Sign-in and sign-up limits that hold on Convex cloud, where actions (and so Convex Auth's
 * `auth:signIn`) never see the caller's address but HTTP actions do:
 *
 * 1. The client first POSTs `{ email, flow }` to `/auth/attempt` (an HTTP action). It spends
 *    one token of its address's budget and, for sign-in, checks that this address has not
 *    used up its wrong passwords for this email. It gets a ticket: HMAC-signed, 2 minutes,
 *    bound to the email, the flow and the (hashed) address.
 * 2. The Password provider is wrapped: before any password is hashed or checked, the
 *    ticket must be valid and unused (it is spent), and a failed sign-in is counted against
 *    (address, email), never against the email alone. Convex Auth's own per-account lockout
 *    is switched off, so nobody can lock a member out by guessing from elsewhere.
 */
import type { ConvexCredentialsConfig } from "@convex-dev/auth/server";
import { readBoundedText } from "./boundedBody";
import type { ConvexCredentialsUserConfig } from "@convex-dev/auth/providers/ConvexCredentials";
import { parse } from "convex-helpers/validators";
import { ConvexError, v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { ActionCtx, MutationCtx } from "../_generated/server";
import { clientAddress } from "./clientAddress";
import { appError, invalid, isAppError } from "./errors";
import { normalizeEmail } from "./invites";
import { rateLimiter } from "./rateLimits";
import { base64url, constantTimeEqual, deploymentMac, randomToken, sha256Hex } from "./tokens";

export const TICKET_TTL_MS = 2 * 60 * 1000;
const MAX_BODY_BYTES = 2048;

export const attemptFlowValidator = v.union(v.literal("signIn"), v.literal("signUp"));
export type AttemptFlow = Infer<typeof attemptFlowValidator>;

/** Why an attempt was refused before any password work: one vocabulary for the API and the UI. */
export const attemptRefusalValidator = v.union(v.literal("tooManyFromAddress"), v.literal("tooManyFailuresForEmail"));
export type AttemptRefusal = Infer<typeof attemptRefusalValidator>;
export const ATTEMPT_REFUSALS = {
  tooManyFromAddress: "Too many attempts from your network",
  tooManyFailuresForEmail: "Too many wrong passwords for this email from your network",
} satisfies Record<AttemptRefusal, string>;

export const issueResult = v.union(
  v.object({ ok: v.literal(true), ticket: v.string(), expiresAt: v.number() }),
  v.object({ ok: v.literal(false), reason: attemptRefusalValidator, retryAfterMs: v.number() }),
);

const ticketPayload = v.object({ n: v.string(), exp: v.number(), a: v.string(), e: v.string(), f: attemptFlowValidator });
type TicketPayload = Infer<typeof ticketPayload>;

/** "Try again in 3 minutes." */
export function retryPhrase(retryAfterMs: number) {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return `try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

const failureKey = (addressKey: string, email: string) => `${addressKey}:${email}`;

function validEmail(email: string) {
  return email.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
}

/** Spends the address's budget and signs a ticket; nothing about the account is read. */
export async function issueTicket(ctx: MutationCtx, args: { addressKey: string; email: string; flow: AttemptFlow }, now: number) {
  const email = normalizeEmail(args.email);
  if (args.flow === "signIn") {
    const failures = await rateLimiter.check(ctx, "signInFailuresPerAddressEmail", { key: failureKey(args.addressKey, email) });
    if (!failures.ok) return { ok: false as const, reason: "tooManyFailuresForEmail" as const, retryAfterMs: failures.retryAfter };
  }
  const budget = await rateLimiter.limit(ctx, args.flow === "signUp" ? "signUpAttemptsPerAddress" : "signInAttemptsPerAddress", {
    key: args.addressKey,
  });
  if (!budget.ok) return { ok: false as const, reason: "tooManyFromAddress" as const, retryAfterMs: budget.retryAfter };
  const payload: TicketPayload = { n: randomToken(16), exp: now + TICKET_TTL_MS, a: args.addressKey, e: email, f: args.flow };
  const body = base64url(new TextEncoder().encode(JSON.stringify(payload)));
  return { ok: true as const, ticket: `${body}.${await deploymentMac("auth-attempt", body)}`, expiresAt: payload.exp };
}

/**
 * Checks and spends a ticket for this email and flow; returns the key its failures count
 * under. Throws INVALID_ARGUMENT for a missing, forged, expired, reused or mismatched
 * ticket and RATE_LIMITED when this address has no wrong passwords left for the email.
 */
export async function consumeTicket(ctx: MutationCtx, args: { ticket: string; email: string; flow: AttemptFlow }, now: number) {
  const refuse = () => invalid("This sign-in attempt has no valid ticket. Reload the page and try again.");
  const [body, mac, extra] = args.ticket.split(".");
  if (!body || !mac || extra !== undefined || body.length > 1024) throw refuse();
  if (!constantTimeEqual(mac, await deploymentMac("auth-attempt", body))) throw refuse();
  let payload: TicketPayload;
  try {
    const json = new TextDecoder().decode(Uint8Array.from(atob(body.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));
    payload = parse(ticketPayload, JSON.parse(json));
  } catch {
    throw refuse();
  }
  if (payload.exp <= now || payload.f !== args.flow || payload.e !== normalizeEmail(args.email)) throw refuse();
  const use = await rateLimiter.limit(ctx, "attemptTicketUse", { key: payload.n });
  if (!use.ok) throw refuse();
  const key = failureKey(payload.a, payload.e);
  if (args.flow === "signIn") {
    const failures = await rateLimiter.check(ctx, "signInFailuresPerAddressEmail", { key });
    if (!failures.ok) {
      throw appError("RATE_LIMITED", `${ATTEMPT_REFUSALS.tooManyFailuresForEmail} — ${retryPhrase(failures.retryAfter)}`, {
        retryAfterMs: failures.retryAfter,
      });
    }
  }
  return { failureKey: key };
}

/** A wrong password spends one of the (address, email) failures; a right one resets them. */
export async function recordSignIn(ctx: MutationCtx, args: { failureKey: string; ok: boolean }) {
  if (args.ok) await rateLimiter.reset(ctx, "signInFailuresPerAddressEmail", { key: args.failureKey });
  else await rateLimiter.limit(ctx, "signInFailuresPerAddressEmail", { key: args.failureKey });
}

/** A rate-limit key for an address: hashed, so the limiter's rows hold no raw address. */
export async function addressKey(request: Request) {
  return `addr-${(await sha256Hex(clientAddress(request) ?? "unknown")).slice(0, 32)}`;
}

function json(status: number, value: unknown, extra: Record<string, string> = {}) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*", ...extra },
  });
}

const attemptRequest = v.object({ email: v.string(), flow: attemptFlowValidator });

/**
 * POST /auth/attempt `{ "email", "flow": "signIn" | "signUp" }` → 200 `{ ticket, expiresAt }`,
 * 400 malformed, 413 too large, 429 `{ error: { code: "RATE_LIMITED", reason, message } }` with
 * Retry-After. Sent as a CORS simple request (text/plain body), so it needs no preflight.
 */
export async function authAttemptHandler(ctx: ActionCtx, request: Request): Promise<Response> {
  let text: string | null;
  try {
    text = await readBoundedText(request, MAX_BODY_BYTES);
  } catch {
    return json(400, { error: { code: "VALIDATION_ERROR", message: "The body is not UTF-8 text." } });
  }
  if (text === null) return json(413, { error: { code: "VALIDATION_ERROR", message: "The body is too large." } });
  let body: Infer<typeof attemptRequest>;
  try {
    body = parse(attemptRequest, JSON.parse(text));
  } catch {
    return json(400, { error: { code: "VALIDATION_ERROR", message: 'Send JSON: { "email": "…", "flow": "signIn" | "signUp" }.' } });
  }
  const email = normalizeEmail(body.email);
  if (!validEmail(email)) return json(400, { error: { code: "VALIDATION_ERROR", message: "Enter a valid email address." } });
  const result = await ctx.runMutation(internal.authAttempts.issue, { addressKey: await addressKey(request), email, flow: body.flow });
  if (result.ok) return json(200, { ticket: result.ticket, expiresAt: result.expiresAt });
  const message = `${ATTEMPT_REFUSALS[result.reason]} — ${retryPhrase(result.retryAfterMs)}`;
  return json(
    429,
    { error: { code: "RATE_LIMITED", reason: result.reason, message, retryAfterMs: result.retryAfterMs } },
    { "Retry-After": String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))) },
  );
}

type Authorize = ConvexCredentialsUserConfig["authorize"];

/** Convex Auth's errors for a failed sign-in, which name no reason a stranger may learn. */
const CREDENTIAL_ERRORS = new Set(["InvalidAccountId", "InvalidSecret", "TooManyFailedAttempts", "Invalid credentials"]);

/**
 * Wraps a credentials provider (Password) so each sign-in or sign-up needs a fresh ticket,
 * spent before the provider hashes or checks a password, and wrong passwords count per
 * (address, email). Convex Auth keeps a credentials provider's own `authorize` in
 * `options` (merged over the provider when materialized); that is the one we wrap.
 */
export function requireAttemptTicket(provider: ConvexCredentialsConfig): ConvexCredentialsConfig {
  const options = (provider as { options?: Partial<ConvexCredentialsUserConfig> }).options;
  const inner: Authorize | undefined = options?.authorize;
  if (!options || !inner) throw new Error("requireAttemptTicket: not a Convex Auth credentials provider");
  const authorize: Authorize = async (params, ctx) => {
    const flow = params.flow;
    if (flow !== "signIn" && flow !== "signUp") throw invalid("Only sign-in and sign-up are supported.");
    const ticket = typeof params.attemptTicket === "string" ? params.attemptTicket : "";
    const email = typeof params.email === "string" ? params.email : "";
    const { failureKey } = await ctx.runMutation(internal.authAttempts.consume, { ticket, email, flow });
    try {
      const result = await inner(params, ctx);
      if (flow === "signIn") await ctx.runMutation(internal.authAttempts.record, { failureKey, ok: true });
      return result;
    } catch (error) {
      if (flow !== "signIn" || isAppError(error)) throw error;
      await ctx.runMutation(internal.authAttempts.record, { failureKey, ok: false });
      if (error instanceof Error && CREDENTIAL_ERRORS.has(error.message)) {
        throw appError("INVALID_CREDENTIALS", "Wrong email or password.");
      }
      throw error instanceof ConvexError ? error : appError("INVALID_CREDENTIALS", "Wrong email or password.");
    }
  };
  return { ...provider, options: { ...options, authorize } } as ConvexCredentialsConfig;
}
