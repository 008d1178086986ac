/** A viewer is told when the link stops opening, not when the 24-hour grant (renewed by the page) ends. */
import { cleanup, render } from "@testing-library/react";
import { afterEach, expect, test } from "vitest";
import { LinkExpiry } from "./LinkExpiry";

afterEach(cleanup);

const NOW = Date.UTC(2026, 11, 2, 12);

test("a link that expires in 7 days says so, the date in the viewer's zone; one that never expires says nothing", () => {
  const { container } = render(<LinkExpiry at={NOW + 7 * 86_400_000} now={NOW} />);
  expect(container.textContent).toMatch(/^Link expires in 7 days \(Dec 9, 2026, .+\)$/);
  expect(container.querySelector("time")?.getAttribute("dateTime")).toBe(new Date(NOW + 7 * 86_400_000).toISOString());
  cleanup();
  expect(render(<LinkExpiry at={null} now={NOW} />).container.textContent).toBe("");
});
