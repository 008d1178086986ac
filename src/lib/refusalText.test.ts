import { describe, expect, test } from "vitest";
import { REFUSAL_REASONS } from "../../convex/lib/refusals";
import { REFUSALS, refusalOfCode } from "../../convex/lib/refusalTable";
import { refusalText } from "./refusalText";

describe("a refusal read back from its API code (the share page's downloads)", () => {
  test("every code names a reason with that code, the first one listed where codes are shared", () => {
    for (const reason of REFUSAL_REASONS) {
      const back = refusalOfCode(REFUSALS[reason].code);
      expect(back).not.toBeNull();
      expect(REFUSALS[back!].code).toBe(REFUSALS[reason].code);
      expect(REFUSAL_REASONS.indexOf(back!)).toBeLessThanOrEqual(REFUSAL_REASONS.indexOf(reason));
    }
    expect(refusalOfCode("RATE_LIMITED")).toBe("rateLimited");
  });

  test("download refusals are said in the table's words; an unknown code is no reason", () => {
    expect(refusalText(refusalOfCode("DOWNLOAD_DISABLED")!)).toBe("Downloads are turned off for this link.");
    expect(refusalText(refusalOfCode("DOWNLOAD_LIMIT_REACHED")!)).toBe(REFUSALS.downloadLimit.words);
    expect(refusalOfCode("NOT_A_CODE")).toBeNull();
    expect(refusalOfCode("")).toBeNull();
  });
});

test("a refusal that passes with time says when, rounded up: never 'Try again now.' while still refused", () => {
  expect(refusalText("rateLimited", 400)).toBe(`${REFUSALS.rateLimited.words} Try again in 1 second.`);
  expect(refusalText("rateLimited", 61_000)).toBe(`${REFUSALS.rateLimited.words} Try again in 2 minutes.`);
});
