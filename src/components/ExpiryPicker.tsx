import { useState } from "react";
import { daysUntil } from "../lib/format";

export const EXPIRY_CHOICES = [
  { label: "Never", days: null },
  { label: "1 day", days: 1 },
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
] as const;

/**
 * Never / 1 / 7 / 30 / 90 days, or an exact date and time in UTC. Submits `<name>` (days)
 * or `<name>At` (milliseconds since the epoch) through hidden inputs.
 */
export function ExpiryPicker({ name, label, onChange }: { name: string; label: string; onChange?: (days: number | null) => void }) {
  const [mode, setMode] = useState("7");
  const [date, setDate] = useState("");
  const days = mode === "never" || mode === "date" ? null : Number(mode);
  const at = mode === "date" && date ? Date.parse(`${date}:00Z`) : null;
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
          {EXPIRY_CHOICES.map((c) => <option key={c.label} value={c.days === null ? "never" : String(c.days)}>{c.label}</option>)}
          <option value="date">At a date and time (UTC)…</option>
        </select>
      </label>
      {mode === "date" && (
        <input
          type="datetime-local"
          aria-label="Expiry date and time (UTC)"
          min={new Date(Date.now() + 60_000).toISOString().slice(0, 16)}
          value={date}
          onChange={(e) => {
            setDate(e.target.value);
            if (e.target.value) onChange?.(daysUntil(new Date(`${e.target.value}:00Z`)));
          }}
        />
      )}
      <input type="hidden" name={name} value={days === null ? "" : String(days)} />
      <input type="hidden" name={`${name}At`} value={at === null || Number.isNaN(at) ? "" : String(at)} />
    </span>
  );
}
