/**
 * When a cron job from convex/crons.ts runs next, in UTC, for every schedule Convex offers:
 * intervals run every period; hourly, daily, weekly and monthly schedules are the cron
 * expressions they stand for; cron strings have five fields (minute hour day-of-month month
 * day-of-week) with `*`, lists, ranges, steps and month / weekday names.
 */
export type Schedule = { type: string; [field: string]: unknown };

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MINUTE = 60_000;

/** The period in ms of an interval schedule; null for wall-clock schedules. */
export function intervalOf(schedule: Schedule): number | null {
  if (schedule.type !== "interval") return null;
  const ms = Number(schedule.seconds ?? 0) * 1000 + Number(schedule.minutes ?? 0) * MINUTE + Number(schedule.hours ?? 0) * 60 * MINUTE;
  if (!Number.isFinite(ms) || ms <= 0) throw new Error("An interval must be a positive duration.");
  return ms;
}

/** The cron expression a wall-clock schedule stands for. */
export function cronExpressionOf(schedule: Schedule): string {
  const minute = Number(schedule.minuteUTC ?? 0);
  const hour = Number(schedule.hourUTC ?? 0);
  switch (schedule.type) {
    case "hourly":
      return `${minute} * * * *`;
    case "daily":
      return `${minute} ${hour} * * *`;
    case "weekly":
      return `${minute} ${hour} * * ${String(schedule.dayOfWeek).slice(0, 3)}`;
    case "monthly":
      return `${minute} ${hour} ${Number(schedule.day)} * *`;
    case "cron":
      return String(schedule.cron);
    default:
      throw new Error(`Unknown cron schedule type "${schedule.type}".`);
  }
}

type Fields = {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  anyDay: boolean;
  anyWeekday: boolean;
};

function parseField(text: string, min: number, max: number, names: string[] = [], nameBase = 0): Set<number> {
  const value = (token: string) => {
    const named = names.indexOf(token.toLowerCase());
    const n = named >= 0 ? named + nameBase : Number(token);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`"${token}" is out of range ${min}–${max}.`);
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const [range, stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`Bad step in "${item}".`);
    let [from, to] = [min, max];
    if (range !== "*") {
      const [a, b] = range.split("-");
      from = value(a);
      to = b === undefined ? (stepText === undefined ? from : max) : value(b);
      if (to < from) throw new Error(`Empty range "${range}".`);
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

export function parseCron(expression: string): Fields {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`Cron expression "${expression}" needs 5 fields (minute hour day month weekday).`);
  const weekdays = parseField(parts[4], 0, 7, DAYS);
  if (weekdays.delete(7)) weekdays.add(0); // 7 is Sunday too
  return {
    minutes: parseField(parts[0], 0, 59),
    hours: parseField(parts[1], 0, 23),
    days: parseField(parts[2], 1, 31),
    months: parseField(parts[3], 1, 12, MONTHS, 1),
    weekdays,
    anyDay: parts[2] === "*",
    anyWeekday: parts[4] === "*",
  };
}

/** Day matching as cron does it: with both day fields restricted, either one matching is enough. */
function dayMatches(f: Fields, date: Date): boolean {
  const byDay = f.days.has(date.getUTCDate());
  const byWeekday = f.weekdays.has(date.getUTCDay());
  if (f.anyDay && f.anyWeekday) return true;
  if (f.anyDay) return byWeekday;
  if (f.anyWeekday) return byDay;
  return byDay || byWeekday;
}

/** The first minute strictly after `after` (ms) that the expression matches; null if none within 5 years. */
export function nextCronTime(fields: Fields, after: number): number | null {
  let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  const limit = after + 5 * 366 * 24 * 60 * MINUTE;
  while (t <= limit) {
    const d = new Date(t);
    if (!fields.months.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else if (!dayMatches(fields, d)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    } else if (!fields.hours.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
    } else if (!fields.minutes.has(d.getUTCMinutes())) {
      t += MINUTE;
    } else {
      return t;
    }
  }
  return null;
}

/** A schedule's next run strictly after `after`; throws a clear error for a malformed schedule. */
export function nextRun(schedule: Schedule, after: number): number | null {
  const period = intervalOf(schedule);
  if (period !== null) return after + period;
  return nextCronTime(parseCron(cronExpressionOf(schedule)), after);
}
