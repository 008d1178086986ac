/** Next-run arithmetic for every cron schedule kind convex/crons.ts can declare (UTC). */
import { cronJobs } from "convex/server";
import { expect, test } from "vitest";
import { nextRun, type Schedule } from "./cronSchedule";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const noop = "noop" as never;

/** The schedules exactly as convex/server's cronJobs() records them. */
function declared(build: (crons: ReturnType<typeof cronJobs>) => void): Schedule[] {
  const crons = cronJobs();
  build(crons);
  return Object.values(crons.crons).map((job) => (job as unknown as { schedule: Schedule }).schedule);
}

test("interval, hourly, daily, weekly and monthly schedules as declared with cronJobs()", () => {
  const [interval, hourly, daily, weekly, monthly] = declared((c) => {
    c.interval("i", { minutes: 90 }, noop);
    c.hourly("h", { minuteUTC: 15 }, noop);
    c.daily("d", { hourUTC: 3, minuteUTC: 30 }, noop);
    c.weekly("w", { dayOfWeek: "monday", hourUTC: 9 }, noop);
    c.monthly("m", { day: 31, hourUTC: 0, minuteUTC: 5 }, noop);
  });
  const now = at("2026-11-23T12:20:00Z"); // a Monday
  expect(iso(nextRun(interval, now))).toBe("2026-11-23T13:50:00.000Z");
  expect(iso(nextRun(hourly, now))).toBe("2026-11-23T13:15:00.000Z");
  expect(iso(nextRun(daily, now))).toBe("2026-11-24T03:30:00.000Z");
  expect(iso(nextRun(weekly, now))).toBe("2026-11-30T09:00:00.000Z");
  expect(iso(nextRun(weekly, at("2026-11-23T08:59:30Z")))).toBe("2026-11-23T09:00:00.000Z");
  // Day 31 skips the months that have no 31st.
  expect(iso(nextRun(monthly, now))).toBe("2026-12-31T00:05:00.000Z");
  expect(iso(nextRun(monthly, at("2027-01-31T00:05:00Z")))).toBe("2027-03-31T00:05:00.000Z");
});

test("cron strings: lists, ranges, steps, names, Sunday as 7, and day-of-month OR day-of-week", () => {
  const [steps, business, named, either] = declared((c) => {
    c.cron("steps", "*/20 * * * *", noop);
    c.cron("business", "0 9-17/4 * * 1-5", noop);
    c.cron("named", "30 6 * feb,mar sun", noop);
    c.cron("either", "0 0 13 * 5", noop);
  });
  expect(iso(nextRun(steps, at("2026-11-23T12:20:00Z")))).toBe("2026-11-23T12:40:00.000Z");
  expect(iso(nextRun(business, at("2026-11-23T13:00:00Z")))).toBe("2026-11-23T17:00:00.000Z");
  expect(iso(nextRun(business, at("2026-11-27T17:00:00Z")))).toBe("2026-11-30T09:00:00.000Z"); // Friday → Monday
  expect(iso(nextRun(named, at("2026-11-23T00:00:00Z")))).toBe("2027-02-07T06:30:00.000Z");
  expect(iso(nextRun({ type: "cron", cron: "30 6 * feb,mar 7" }, at("2026-11-23T00:00:00Z")))).toBe("2027-02-07T06:30:00.000Z");
  // Friday the 27th comes before the 13th of next month.
  expect(iso(nextRun(either, at("2026-11-23T00:00:00Z")))).toBe("2026-11-27T00:00:00.000Z");
  expect(iso(nextRun(either, at("2026-12-11T00:00:00Z")))).toBe("2026-12-13T00:00:00.000Z");
});

test("a schedule that never matches has no next run; malformed ones are clear errors", () => {
  expect(nextRun({ type: "cron", cron: "0 0 30 2 *" }, at("2026-11-23T00:00:00Z"))).toBeNull();
  expect(() => nextRun({ type: "cron", cron: "61 * * * *" }, 0)).toThrow(/out of range/);
  expect(() => nextRun({ type: "cron", cron: "* * * *" }, 0)).toThrow(/5 fields/);
  expect(() => nextRun({ type: "cron", cron: "*/0 * * * *" }, 0)).toThrow(/step/);
  expect(() => nextRun({ type: "interval", minutes: 0 }, 0)).toThrow(/positive/);
  expect(() => nextRun({ type: "yearly" }, 0)).toThrow(/Unknown/);
});
