import { fireEvent, render, screen } from "@testing-library/react";
import { afterEach, expect, test } from "vitest";
import { cleanup } from "@testing-library/react";
import { ExpiryPicker } from "./ExpiryPicker";

afterEach(cleanup);

function hiddenValue(container: HTMLElement) {
  return (container.querySelector('input[name="expiresInDays"]') as HTMLInputElement).value;
}

test("the picker offers never / 1 / 7 / 30 / 90 days and a date, and submits whole days", () => {
  const seen: Array<number | null> = [];
  const { container } = render(<ExpiryPicker name="expiresInDays" label="Expires" onChange={(d) => seen.push(d)} />);
  const select = screen.getByLabelText("Expires") as HTMLSelectElement;
  expect([...select.options].map((o) => o.text)).toEqual(["Never", "1 day", "7 days", "30 days", "90 days", "On a date…"]);
  expect(hiddenValue(container)).toBe("7");
  fireEvent.change(select, { target: { value: "never" } });
  expect(hiddenValue(container)).toBe("");
  fireEvent.change(select, { target: { value: "date" } });
  const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  fireEvent.change(screen.getByLabelText("Expiry date"), { target: { value: inTenDays } });
  expect(Number(hiddenValue(container))).toBeGreaterThanOrEqual(10);
  expect(Number(hiddenValue(container))).toBeLessThanOrEqual(11);
  expect(seen[0]).toBeNull();
});
