const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];
const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/**
 * "in 3 days", "2 hours ago". `round` makes whole units of the amount: to the nearest by default,
 * Math.ceil for a wait ("in 1 second" until the wait is over, never "now" while it lasts).
 */
export function relativeTime(at: number, now = Date.now(), round: (units: number) => number = Math.round): string {
  const diff = at - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === "second") return rtf.format(round(diff / ms), unit);
  }
  return rtf.format(0, "second");
}

/**
 * When something happened: never in the future. A server time a little ahead of this tab's clock,
 * or of a `now` that ticks every 30 seconds (useNow), reads "now", not "in 19 seconds".
 */
export function relativePast(at: number, now = Date.now()): string {
  return relativeTime(Math.min(at, now), now);
}

/** How long until something may be tried again, rounded up: "in 1 second" while any of it is left. */
export function relativeWait(ms: number, now = Date.now()): string {
  return relativeTime(now + Math.max(ms, 1), now, Math.ceil);
}

/**
 * A video's length in whole seconds as players show it (2.96 s is "0:02", as the player beside it
 * says), and never "0:00" for one that has any (a 0.9 s clip is "0:01").
 */
export function formatLength(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  return formatDuration(seconds > 0 ? Math.max(1, Math.floor(seconds)) : 0);
}

/** A moment in a video, as players show it: whole seconds passed ("0:12" from 12.6 s on). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  const s = Math.floor(seconds % 60)
    .toString()
    .padStart(2, "0");
  const m = Math.floor(seconds / 60);
  return `${m}:${s}`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Whole days from now until a date (at least 1), for the expiry picker. */
export function daysUntil(date: Date, now = Date.now()): number {
  return Math.max(1, Math.ceil((date.getTime() - now) / 86_400_000));
}

/** "1 view", "2 views"; `many` for irregular plurals. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The zone dates are shown in, e.g. "America/Los_Angeles". */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** An absolute date in the user's zone and the browser's locale, with the zone named: "Jun 1, 2026, 5:00 AM PDT" (en-US), "2 Jun 2026, 12:00 am NZST" (en-NZ). */
export function formatAbsolute(at: number, timeZone?: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
    timeZone,
  }).format(at);
}

/** The value a `datetime-local` input shows for an instant, in the user's zone ("2026-06-01T05:00"). */
export function toLocalInput(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The instant a `datetime-local` value means in the user's zone, or null. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number);
  return new Date(y, mo - 1, d, h, mi).getTime();
}
