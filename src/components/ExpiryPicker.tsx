import { useId, useImperativeHandle, useRef, useState, type Ref } from "react";
import { daysUntil, formatAbsolute, fromLocalInput, localZone, toLocalInput } from "../lib/format";

export const EXPIRY_CHOICES = [
  { label: "Never", days: null },
  { label: "1 day", days: 1 },
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
] as const;

/** Why "At a date and time…" cannot be sent as it is: no (complete) date, or one already past. */
type DateProblem = "missing" | "past";

function dateProblemText(problem: DateProblem): string {
  switch (problem) {
    case "missing":
      return "Pick the date and time the link should expire.";
    case "past":
      return "That time has passed: pick a date and time in the future.";
  }
}

/** The problem with the picked date at `now`, or null; only "At a date and time…" can have one. */
function dateProblem(mode: string, at: number | null, now: number): DateProblem | null {
  if (mode !== "date") return null;
  if (at === null) return "missing";
  return at <= now ? "past" : null;
}

/** What the form asks before it submits: whether the expiry can be sent as picked. */
export type ExpiryPickerHandle = {
  /** True if it can; false if not, the reason then shown by the date field and focus moved there. */
  check(): boolean;
};

/**
 * Never / 1 / 7 / 30 / 90 days, or an exact date and time picked in the user's own zone (named
 * beside it). Submits `<name>` (days) or `<name>At` (milliseconds since the epoch) through
 * hidden inputs, both empty for "Never" — and for a date not (yet) picked, so a form must ask
 * `ref.check()` before it sends them. Give it a new `key` to start over (after a create).
 */
export function ExpiryPicker({
  name,
  label,
  onChange,
  dateLabel = "Expiry date and time",
  ref,
}: {
  name: string;
  label: string;
  onChange?: (days: number | null) => void;
  dateLabel?: string;
  ref?: Ref<ExpiryPickerHandle>;
}) {
  const [mode, setMode] = useState("7");
  const [date, setDate] = useState("");
  // Shown from a failed check until the choice or the date changes.
  const [problem, setProblem] = useState<DateProblem | null>(null);
  const dateInput = useRef<HTMLInputElement>(null);
  const problemId = useId();
  const zone = localZone();
  const days = mode === "never" || mode === "date" ? null : Number(mode);
  const at = mode === "date" ? fromLocalInput(date) : null;
  useImperativeHandle(
    ref,
    () => ({
      check() {
        const found = dateProblem(mode, at, Date.now());
        setProblem(found);
        if (found !== null) dateInput.current?.focus();
        return found === null;
      },
    }),
    [mode, at],
  );
  return (
    <span className="inline">
      <label className="inline">
        {label}
        <select
          value={mode}
          onChange={(e) => {
            setMode(e.target.value);
            setProblem(null);
            if (e.target.value !== "date") onChange?.(e.target.value === "never" ? null : Number(e.target.value));
          }}
        >
          {EXPIRY_CHOICES.map((c) => (
            <option key={c.label} value={c.days === null ? "never" : String(c.days)}>
              {c.label}
            </option>
          ))}
          <option value="date">At a date and time…</option>
        </select>
      </label>
      {mode === "date" && (
        <>
          <input
            ref={dateInput}
            type="datetime-local"
            aria-label={`${dateLabel} (${zone})`}
            aria-invalid={problem !== null}
            aria-describedby={problem === null ? undefined : problemId}
            min={toLocalInput(Date.now() + 60_000)}
            value={date}
            onChange={(e) => {
              setDate(e.target.value);
              setProblem(null);
              const picked = fromLocalInput(e.target.value);
              if (picked !== null) onChange?.(daysUntil(new Date(picked)));
            }}
          />
          <span className="muted small" aria-live="polite">
            {at === null
              ? `Time in ${zone}`
              : at <= Date.now()
                ? `${formatAbsolute(at)} has passed: choose a later time`
                : `Expires ${formatAbsolute(at)}`}
          </span>
          {problem !== null && (
            <span id={problemId} className="error small">
              {dateProblemText(problem)}
            </span>
          )}
        </>
      )}
      <input type="hidden" name={name} value={days === null ? "" : String(days)} />
      <input type="hidden" name={`${name}At`} value={at === null ? "" : String(at)} />
    </span>
  );
}
