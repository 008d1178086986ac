import { expect, test } from "vitest";
import { daysUntil, formatBytes, formatDuration, relativeTime } from "./format";

const NOW = Date.UTC(2026, 5, 1, 12);

test("relative times read like a person would say them", () => {
  expect(relativeTime(NOW + 3 * 86_400_000, NOW)).toBe("in 3 days");
  expect(relativeTime(NOW - 2 * 3_600_000, NOW)).toBe("2 hours ago");
  expect(relativeTime(NOW + 10 * 60_000, NOW)).toBe("in 10 minutes");
  expect(relativeTime(NOW, NOW)).toBe("now");
});

test("durations, sizes and days-until for the expiry picker", () => {
  expect(formatDuration(75)).toBe("1:15");
  expect(formatDuration(null)).toBe("");
  expect(formatBytes(1536)).toBe("1.5 KB");
  expect(daysUntil(new Date(NOW + 36 * 3_600_000), NOW)).toBe(2);
  expect(daysUntil(new Date(NOW - 1000), NOW)).toBe(1);
});
