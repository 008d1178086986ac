import { useState } from "react";
import { daysUntil } from "../lib/format";

export const EXPIRY_CHOICES = [
  { label: "Never", days: null },
  { label: "1 day", days: 1 },
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
] as const;

/** Never / 1 / 7 / 30 / 90 days, or a date (turned into whole days from now). */
export function ExpiryPicker({ name, label, onChange }: { name: string; label: string; onChange?: (days: number | null) => void }) {
  const [mode, setMode] = useState("7");
  const [date, setDate] = useState("");
  const days = mode === "never" ? null : mode === "date" ? (date ? daysUntil(new Date(`${date}T23:59:59`)) : null) : Number(mode);
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
          <option value="date">On a date…</option>
        </select>
      </label>
      {mode === "date" && (
        <input
          type="date"
          aria-label="Expiry date"
          min={new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}
          max={new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10)}
          value={date}
          onChange={(e) => {
            setDate(e.target.value);
            if (e.target.value) onChange?.(daysUntil(new Date(`${e.target.value}T23:59:59`)));
          }}
        />
      )}
      <input type="hidden" name={name} value={days === null ? "" : String(days)} />
    </span>
  );
}
