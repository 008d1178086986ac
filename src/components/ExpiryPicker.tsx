import { useState } from "react";
import { daysUntil, formatAbsolute, fromLocalInput, localZone, toLocalInput } from "../lib/format";

export const EXPIRY_CHOICES = [
  { label: "Never", days: null },
  { label: "1 day", days: 1 },
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
] as const;

/**
 * Never / 1 / 7 / 30 / 90 days, or an exact date and time picked in the user's own zone (named
 * beside it). Submits `<name>` (days) or `<name>At` (milliseconds since the epoch) through
 * hidden inputs. Give it a new `key` to start over (after a create).
 */
export function ExpiryPicker({
  name,
  label,
  onChange,
  dateLabel = "Expiry date and time",
}: {
  name: string;
  label: string;
  onChange?: (days: number | null) => void;
  dateLabel?: string;
}) {
  const [mode, setMode] = useState("7");
  const [date, setDate] = useState("");
  const zone = localZone();
  const days = mode === "never" || mode === "date" ? null : Number(mode);
  const at = mode === "date" ? fromLocalInput(date) : null;
  return (
    <span className="inline">
      <label className="inline">
        {label}
        <select
          value={mode}
          onChange={(e) => {
            setMode(e.target.value);
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
            type="datetime-local"
            aria-label={`${dateLabel} (${zone})`}
            min={toLocalInput(Date.now() + 60_000)}
            value={date}
            onChange={(e) => {
              setDate(e.target.value);
              const picked = fromLocalInput(e.target.value);
              if (picked !== null) onChange?.(daysUntil(new Date(picked)));
            }}
          />
          <span className="muted small" aria-live="polite">
            {at === null ? `Time in ${zone}` : `Expires ${formatAbsolute(at)}`}
          </span>
        </>
      )}
      <input type="hidden" name={name} value={days === null ? "" : String(days)} />
      <input type="hidden" name={`${name}At`} value={at === null ? "" : String(at)} />
    </span>
  );
}
