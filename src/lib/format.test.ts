import { expect, test } from "vitest";
import {
  daysUntil,
  formatAbsolute,
  formatBytes,
  formatDuration,
  formatLength,
  fromLocalInput,
  plural,
  relativePast,
  relativeTime,
  relativeWait,
  toLocalInput,
} from "./format";

const NOW = Date.UTC(2026, 5, 1, 12);

test("relative times read like a person would say them", () => {
  expect(relativeTime(NOW + 3 * 86_400_000, NOW)).toBe("in 3 days");
  expect(relativeTime(NOW - 2 * 3_600_000, NOW)).toBe("2 hours ago");
  expect(relativeTime(NOW + 10 * 60_000, NOW)).toBe("in 10 minutes");
  expect(relativeTime(NOW, NOW)).toBe("now");
});

test("a past event never reads as future: a server time ahead of a stale now is 'now'", () => {
  expect(relativePast(NOW + 19_000, NOW)).toBe("now");
  expect(relativePast(NOW - 120_000, NOW)).toBe("2 minutes ago");
});

test("a wait rounds up: under a second left is 'in 1 second', never 'now' while it lasts", () => {
  expect(relativeWait(300, NOW)).toBe("in 1 second");
  expect(relativeWait(1_200, NOW)).toBe("in 2 seconds");
  expect(relativeWait(0, NOW)).toBe("in 1 second");
  expect(relativeWait(10 * 60_000, NOW)).toBe("in 10 minutes");
});

test("durations, sizes and days-until for the expiry picker", () => {
  expect(formatDuration(75)).toBe("1:15");
  expect(formatDuration(null)).toBe("");
  expect(formatBytes(1536)).toBe("1.5 KB");
  expect(daysUntil(new Date(NOW + 36 * 3_600_000), NOW)).toBe(2);
  expect(daysUntil(new Date(NOW - 1000), NOW)).toBe(1);
});

test("counts agree with their nouns", () => {
  expect(plural(1, "view")).toBe("1 view");
  expect(plural(0, "view")).toBe("0 views");
  expect(plural(2, "download")).toBe("2 downloads");
});

test("absolute dates name the zone; datetime-local values are local wall-clock times", () => {
  expect(formatAbsolute(NOW, "America/Los_Angeles")).toBe("Jun 1, 2026, 5:00 AM PDT");
  expect(formatAbsolute(NOW, "UTC")).toBe("Jun 1, 2026, 12:00 PM UTC");
  // In the browser's locale (this test runs in en-US); another's order and clock where it has them.
  expect(formatAbsolute(NOW, "Pacific/Auckland", "en-NZ")).toBe("2 Jun 2026, 12:00 am NZST");
  expect(formatAbsolute(NOW, "Europe/London", "en-GB")).toBe("1 Jun 2026, 13:00 BST");
  const at = fromLocalInput("2031-03-04T05:06")!;
  expect(at).toBe(new Date(2031, 2, 4, 5, 6).getTime());
  expect(toLocalInput(at)).toBe("2031-03-04T05:06");
  expect(fromLocalInput("nonsense")).toBeNull();
});

test("a video's length counts whole seconds, as the player does, and is never 0:00 when it has any; a moment in it too", () => {
  expect(formatLength(0.9)).toBe("0:01");
  expect(formatLength(0.2)).toBe("0:01");
  expect(formatLength(5.9)).toBe("0:05");
  expect(formatLength(2.96)).toBe("0:02");
  expect(formatLength(0)).toBe("0:00");
  expect(formatLength(null)).toBe("");
  expect(formatDuration(12.6)).toBe("0:12");
});
