import { expect, test } from "vitest";
import { teamLabels } from "./teamLabels";

test("a team's label is its name and role; teams alike in both also show when each was made", () => {
  const labels = teamLabels(
    [
      { teamId: "a", name: "Studio", role: "owner", createdAt: Date.UTC(2026, 5, 1, 12) },
      { teamId: "b", name: "Studio", role: "owner", createdAt: Date.UTC(2026, 5, 2, 9, 30) },
      { teamId: "c", name: "Studio", role: "viewer", createdAt: Date.UTC(2026, 5, 3) },
      { teamId: "d", name: "Films", role: "owner", createdAt: Date.UTC(2026, 5, 4) },
    ],
    "Pacific/Auckland",
  );
  expect(labels.get("a")).toBe("Studio (owner) · made Jun 2, 2026, 12:00 AM GMT+12");
  expect(labels.get("b")).toBe("Studio (owner) · made Jun 2, 2026, 9:30 PM GMT+12");
  expect(labels.get("c")).toBe("Studio (viewer)");
  expect(labels.get("d")).toBe("Films (owner)");
});
