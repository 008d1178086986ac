import { ConvexError } from "convex/values";

/**
 * Every error the backend raises on purpose carries one of these codes.
 * The UI imports this module to branch on `code` and show `message`.
 */
export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "NOT_FOUND",
  "FORBIDDEN",
  "INVALID_ARGUMENT",
  "PASSWORD_TOO_LONG",
  "VIDEO_NOT_READY",
  "LAST_OWNER",
  "ALREADY_MEMBER",
  "RATE_LIMITED",
  "UPLOAD_REJECTED",
  /** The stored bytes are no video container (lib/containers.ts); the upload is removed. */
  "NOT_A_VIDEO",
  "MISCONFIGURED",
  "SLUG_TAKEN",
  "QUOTA_EXCEEDED",
  "INVITE_EXPIRED",
  "INVALID_CREDENTIALS",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type AppErrorData = { code: ErrorCode; message: string; retryAfterMs?: number };

export function appError(code: ErrorCode, message: string, extra?: { retryAfterMs?: number }) {
  return new ConvexError<AppErrorData>({ code, message, ...extra });
}

export function isAppError(error: unknown): error is ConvexError<AppErrorData> {
  if (!(error instanceof ConvexError)) return false;
  const data: unknown = error.data;
  return (
    typeof data === "object" &&
    data !== null &&
    typeof (data as { code?: unknown }).code === "string" &&
    (ERROR_CODES as readonly string[]).includes((data as { code: string }).code)
  );
}

/** A message fit for people, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (isAppError(error)) return error.data.message;
  if (error instanceof ConvexError && typeof error.data === "string") return error.data;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

export const notFound = (what: string) => appError("NOT_FOUND", `${what} not found.`);
export const invalid = (message: string) => appError("INVALID_ARGUMENT", message);
