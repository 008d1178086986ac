/** HTTP API errors: `{ "error": { "code", "message" } }` with the API's own codes. */
import { v, type Infer } from "convex/values";
import { isAppError } from "./errors";
import { unreachable } from "./unreachable";
import { refusalHttp, type Refused } from "./refusals";

/** What an API mutation answers; http.ts turns it into the response. */
export const apiResult = v.object({ status: v.number(), json: v.any(), retryAfterSeconds: v.optional(v.number()) });
export type ApiResult = Infer<typeof apiResult>;

export const apiError = (status: number, code: string, message: string, retryAfterMs?: number): ApiResult => ({
  status,
  json: { error: { code, message } },
  ...(retryAfterMs === undefined ? {} : { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) }),
});

/** Maps the app's ConvexError codes to the API's. */
export function fromThrown(error: unknown, notFoundCode = "SHARE_NOT_FOUND"): ApiResult {
  if (!isAppError(error)) throw error;
  const { code, message, retryAfterMs } = error.data;
  switch (code) {
    case "INVALID_ARGUMENT":
    case "PASSWORD_TOO_LONG":
      return apiError(400, "VALIDATION_ERROR", message);
    case "NOT_FOUND":
      return apiError(404, notFoundCode, message);
    case "FORBIDDEN":
      return apiError(403, "FORBIDDEN", message);
    case "VIDEO_NOT_READY":
    case "SLUG_TAKEN":
      return apiError(409, "CONFLICT", message);
    case "QUOTA_EXCEEDED":
      return apiError(403, "QUOTA_EXCEEDED", message);
    case "RATE_LIMITED":
      return apiError(429, "RATE_LIMITED", message, retryAfterMs ?? 60_000);
    // Codes no /api/v1 function raises today (sign-in, teams, uploads), each with the status its meaning calls for.
    case "UNAUTHENTICATED":
    case "INVALID_CREDENTIALS":
      return apiError(401, "UNAUTHORIZED", message);
    case "LAST_OWNER":
    case "ALREADY_MEMBER":
    case "INVITE_EXPIRED":
      return apiError(409, "CONFLICT", message);
    case "UPLOAD_REJECTED":
    case "NOT_A_VIDEO":
      return apiError(400, "VALIDATION_ERROR", message);
    // The deployment is set up wrong: the server's fault, not the request's.
    case "MISCONFIGURED":
      return apiError(500, "INTERNAL_ERROR", message);
  }
  return unreachable(code);
}

/** A refusal as the API answers it: the same status, code and words as every other route (lib/refusals.ts). */
export function refusalResult(refused: Refused): ApiResult {
  const { status, code, message, retryAfterSeconds } = refusalHttp(refused.reason, refused.retryAfterMs);
  return { status, json: { error: { code, message } }, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}
