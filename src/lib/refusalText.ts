import type { Refusal } from "../../convex/lib/refusals";
import { REFUSALS, type RefusalFacts } from "../../convex/lib/refusalTable";
import { relativeWait } from "./format";

/** The words for a refusal (convex/lib/refusals.ts), with when to try again if it passes with time. */
export function refusalText(reason: Refusal, retryAfterMs?: number): string {
  const facts: RefusalFacts = REFUSALS[reason];
  return facts.retry && retryAfterMs ? `${facts.words} Try again ${relativeWait(retryAfterMs)}.` : facts.words;
}
