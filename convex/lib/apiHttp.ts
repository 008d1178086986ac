/**
 * The HTTP side of /api/v1 (routed in http.ts): untrusted JSON bodies read within a size bound
 * and checked with convex-helpers' validators, path parameters, and the JSON responses.
 * Every malformed body is a 400 VALIDATION_ERROR with a message that names the problem.
 */
import { validate, ValidationError } from "convex-helpers/validators";
import { readBoundedText } from "./boundedBody";
import type { Infer, Validator } from "convex/values";
import { clientAddress } from "./clientAddress";
import { apiError, type ApiResult } from "./restErrors";
import { sha256Hex } from "./tokens";

/** Request bodies of /api/v1 are small; anything larger is refused before it is parsed. */
export const MAX_API_BODY_BYTES = 64 * 1024;

const API_HEADERS = { "Content-Type": "application/json", "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*" };

export function apiResponse(result: ApiResult): Response {
  const headers: Record<string, string> = { ...API_HEADERS };
  if (result.retryAfterSeconds !== undefined) headers["Retry-After"] = String(result.retryAfterSeconds);
  return new Response(result.status === 204 ? null : JSON.stringify(result.json), { status: result.status, headers });
}

class ForbiddenKey extends Error {}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: ApiResult };
const refused = (message: string): { ok: false; error: ApiResult } => ({ ok: false, error: apiError(400, "VALIDATION_ERROR", message) });

/** What a validator error says, in words a script author can act on. */
export function describeValidationError(error: ValidationError, fixedFields: Record<string, string> = {}): string {
  const field = error.path;
  if (field === undefined) return "The body must be a JSON object.";
  if (error.expected === "nothing") return fixedFields[field] ?? `Unknown field "${field}".`;
  if (error.got === "undefined") return `${field} is required.`;
  return `${field} must be a ${error.expected} (got ${error.got}).`;
}

/** The request's JSON body if `validator` accepts it (no unknown fields), else the 400 to answer. */
export async function readJsonBody<V extends Validator<unknown, "required", string>>(
  request: Request,
  validator: V,
  fixedFields?: Record<string, string>,
): Promise<Parsed<Infer<V>>> {
  let text: string | null;
  try {
    text = await readBoundedText(request, MAX_API_BODY_BYTES);
  } catch {
    return refused("The body could not be read as UTF-8 text.");
  }
  if (text === null) return refused(`The body must be at most ${MAX_API_BODY_BYTES / 1024} KiB.`);
  let value: unknown;
  try {
    // A "__proto__" key would slip past the validator's unknown-field check (it reads as inherited).
    value = JSON.parse(text, (k: string, item: unknown) => {
      if (k === "__proto__") throw new ForbiddenKey();
      return item;
    });
  } catch (error) {
    return refused(error instanceof ForbiddenKey ? 'Unknown field "__proto__".' : "The body must be JSON.");
  }
  try {
    if (validate(validator, value, { throw: true })) return { ok: true, value };
    return refused("The body does not have the expected shape.");
  } catch (error) {
    if (error instanceof ValidationError) return refused(describeValidationError(error, fixedFields));
    throw error;
  }
}

/**
 * The path's segments after `prefix` (percent-decoded), when there are `min`–`max` of them and
 * none is empty; null for any other shape, so the route answers 404.
 */
export function pathParams(request: Request, prefix: string, min: number, max: number): string[] | null {
  const path = new URL(request.url).pathname;
  if (!path.startsWith(prefix)) return null;
  const raw = path.slice(prefix.length).split("/");
  if (raw.length < min || raw.length > max || raw.some((s) => s === "")) return null;
  try {
    return raw.map(decodeURIComponent);
  } catch {
    return null; // malformed percent-encoding
  }
}

/** The API key sent as `Authorization: Bearer …` or `X-API-Key`. */
export function apiKeyOf(request: Request): string | undefined {
  const auth = request.headers.get("Authorization");
  return auth?.startsWith("Bearer ") ? auth.slice(7) : (request.headers.get("X-API-Key") ?? undefined);
}

/** A rate-limit key for the caller's address (hashed, so logs and limits hold no raw address). */
export async function clientKeyOf(request: Request): Promise<string> {
  return `raw-${(await sha256Hex(clientAddress(request) ?? "unknown")).slice(0, 32)}`;
}
