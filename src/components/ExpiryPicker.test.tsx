import { act, fireEvent, render, screen } from "@testing-library/react";
import { createRef } from "react";
import { afterEach, expect, test } from "vitest";
import { cleanup } from "@testing-library/react";
import { localZone, toLocalInput } from "../lib/format";
import { ExpiryPicker, type ExpiryPickerHandle } from "./ExpiryPicker";

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

/** The element naming what is wrong with `field`, through its aria-describedby. */
function problemOf(field: HTMLElement) {
  const id = field.getAttribute("aria-describedby");
  return id === null ? null : document.getElementById(id)?.textContent;
}

test("'At a date and time…' without a date, or with a past one, fails the form's check: the field says why and takes focus", () => {
  const picker = createRef<ExpiryPickerHandle>();
  render(<ExpiryPicker ref={picker} name="expiresInDays" label="Expires" />);
  expect(picker.current!.check()).toBe(true);
  fireEvent.change(screen.getByLabelText("Expires"), { target: { value: "date" } });
  const field = screen.getByLabelText(`Expiry date and time (${localZone()})`);
  expect(field.getAttribute("aria-invalid")).toBe("false");
  expect(problemOf(field)).toBeNull();
  act(() => expect(picker.current!.check()).toBe(false));
  expect(field.getAttribute("aria-invalid")).toBe("true");
  expect(problemOf(field)).toBe("Pick the date and time the link should expire.");
  expect(document.activeElement).toBe(field);
  // Changing the date takes the message away until the next check.
  fireEvent.change(field, { target: { value: toLocalInput(Date.now() - 3_600_000) } });
  expect(problemOf(field)).toBeNull();
  // The preview says at once that the time has passed, not "Expires …" as if it were fine.
  expect(screen.getByText(/has passed: choose a later time$/)).toBeTruthy();
  expect(screen.queryByText(/^Expires /)).toBeNull();
  act(() => expect(picker.current!.check()).toBe(false));
  expect(problemOf(field)).toBe("That time has passed: pick a date and time in the future.");
  fireEvent.change(field, { target: { value: toLocalInput(Date.now() + 86_400_000) } });
  act(() => expect(picker.current!.check()).toBe(true));
  expect(field.getAttribute("aria-invalid")).toBe("false");
  fireEvent.change(screen.getByLabelText("Expires"), { target: { value: "never" } });
  expect(picker.current!.check()).toBe(true);
});
