/** The range parser, ETag and If-None-Match of stored-file responses, directly. */
import { createHash } from "node:crypto";
import { expect, test } from "vitest";
import { etagFor, ifNoneMatch, rangeOf } from "./ranges";

test("Range headers: full, partial, suffix, open-ended, clamped, unsatisfiable, several, unparseable", () => {
  expect(rangeOf(undefined, 100)).toEqual({ kind: "full" });
  expect(rangeOf("bytes=0-99", 100)).toEqual({ kind: "full" });
  expect(rangeOf("bytes=0-", 100)).toEqual({ kind: "full" });
  expect(rangeOf("bytes=10-19", 100)).toEqual({ kind: "partial", start: 10, end: 19 });
  expect(rangeOf(" bytes= 10-19 ", 100)).toEqual({ kind: "partial", start: 10, end: 19 });
  expect(rangeOf("bytes=90-", 100)).toEqual({ kind: "partial", start: 90, end: 99 });
  expect(rangeOf("bytes=90-500", 100)).toEqual({ kind: "partial", start: 90, end: 99 });
  expect(rangeOf("bytes=-10", 100)).toEqual({ kind: "partial", start: 90, end: 99 });
  expect(rangeOf("bytes=-500", 100)).toEqual({ kind: "full" });
  expect(rangeOf("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
  expect(rangeOf("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
  expect(rangeOf("bytes=20-10", 100)).toEqual({ kind: "unsatisfiable" });
  expect(rangeOf("bytes=0-0", 0)).toEqual({ kind: "unsatisfiable" });
  expect(rangeOf("bytes=5-9, 20-29", 100)).toEqual({ kind: "partial", start: 5, end: 9 });
  for (const nonsense of ["", "bytes=", "bytes=-", "items=0-5", "bytes=a-b", "bytes=1-2-3"])
    expect(rangeOf(nonsense, 100)).toEqual({ kind: "full" });
});

test("ETag is the hex SHA-256; If-None-Match matches it, a list containing it, or *", () => {
  const digest = createHash("sha256").update("hello").digest();
  const etag = etagFor(digest.toString("base64"));
  expect(etag).toBe(`"${digest.toString("hex")}"`);
  expect(ifNoneMatch(etag, etag)).toBe(true);
  expect(ifNoneMatch(`"other", ${etag}`, etag)).toBe(true);
  expect(ifNoneMatch("*", etag)).toBe(true);
  expect(ifNoneMatch('"other"', etag)).toBe(false);
  expect(ifNoneMatch(undefined, etag)).toBe(false);
});
