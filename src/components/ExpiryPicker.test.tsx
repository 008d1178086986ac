import { fireEvent, render, screen } from "@testing-library/react";
import { afterEach, expect, test } from "vitest";
import { cleanup } from "@testing-library/react";
import { localZone } from "../lib/format";
import { ExpiryPicker } from "./ExpiryPicker";

afterEach(cleanup);

function hiddenValue(container: HTMLElement) {
  return (container.querySelector('input[name="expiresInDays"]') as HTMLInputElement).value;
}

test("the picker offers never / 1 / 7 / 30 / 90 days and a local date and time, and submits whole days", () => {
  const seen: Array<number | null> = [];
  const { container } = render(<ExpiryPicker name="expiresInDays" label="Expires" onChange={(d) => seen.push(d)} />);
  const select = screen.getByLabelText("Expires") as HTMLSelectElement;
  expect([...select.options].map((o) => o.text)).toEqual(["Never", "1 day", "7 days", "30 days", "90 days", "At a date and time…"]);
  expect(hiddenValue(container)).toBe("7");
  fireEvent.change(select, { target: { value: "never" } });
  expect(hiddenValue(container)).toBe("");
  fireEvent.change(select, { target: { value: "date" } });
  fireEvent.change(screen.getByLabelText(`Expiry date and time (${localZone()})`), { target: { value: "2031-03-04T05:06" } });
  expect(hiddenValue(container)).toBe("");
  // The wall-clock time the user picked, in their own zone (not UTC).
  expect((container.querySelector('input[name="expiresInDaysAt"]') as HTMLInputElement).value).toBe(
    String(new Date(2031, 2, 4, 5, 6).getTime()),
  );
  expect(screen.getByText(/^Expires Mar 4, 2031, 5:06 AM/)).toBeTruthy();
  expect(seen[0]).toBeNull();
});
