/** Every app error code has one API answer whose status fits its meaning (restErrors.ts fromThrown). */
import { expect, test } from "vitest";
import { appError, ERROR_CODES, type ErrorCode } from "./errors";
import { fromThrown } from "./restErrors";

const answer = (code: ErrorCode) => {
  const { status, json } = fromThrown(appError(code, "words"));
  return { status, code: (json as { error: { code: string; message: string } }).error.code };
};

test("a caller who is not signed in is 401, a state conflict 409, a broken deployment 500 — never a 400 by default", () => {
  expect(answer("UNAUTHENTICATED")).toEqual({ status: 401, code: "UNAUTHORIZED" });
  expect(answer("INVALID_CREDENTIALS")).toEqual({ status: 401, code: "UNAUTHORIZED" });
  for (const code of ["LAST_OWNER", "ALREADY_MEMBER", "INVITE_EXPIRED", "SLUG_TAKEN", "VIDEO_NOT_READY"] as const)
    expect(answer(code)).toEqual({ status: 409, code: "CONFLICT" });
  expect(answer("MISCONFIGURED")).toEqual({ status: 500, code: "INTERNAL_ERROR" });
  expect(answer("NOT_A_VIDEO")).toEqual({ status: 400, code: "VALIDATION_ERROR" });
  // Every code answers something (the switch is exhaustive), with the message passed through.
  for (const code of ERROR_CODES) expect(fromThrown(appError(code, "words")).json).toMatchObject({ error: { message: "words" } });
  // Anything that is not an app error is not the API's to answer.
  expect(() => fromThrown(new Error("boom"))).toThrow("boom");
});
