import { errorMessage as backendMessage, isAppError } from "../../convex/lib/errors";

export { isAppError };

/**
 * A sentence for people, whatever was thrown: the backend's own message for its coded errors,
 * never a raw "[CONVEX Q(videos:get)] ArgumentValidationError…" or a stack trace.
 */
export function errorMessage(error: unknown): string {
  if (isAppError(error)) return error.data.message;
  const raw = backendMessage(error);
  if (/ArgumentValidationError|does not match validator|Invalid argument/i.test(raw))
    return "Not found: this address does not point to anything here.";
  if (/\[CONVEX [QMA]\(|Server Error|Request ID/i.test(raw)) return "Something went wrong on the server. Try again in a moment.";
  if (/Failed to fetch|NetworkError|Load failed/i.test(raw)) return "Could not reach the server. Check your connection and try again.";
  return raw;
}

/** Whether an error means "there is nothing here" (a coded NOT_FOUND or a malformed id). */
export function isNotFound(error: unknown): boolean {
  if (isAppError(error)) return error.data.code === "NOT_FOUND";
  return /ArgumentValidationError|does not match validator/i.test(backendMessage(error));
}
