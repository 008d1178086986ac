/** A collection's video list: after Remove, the focus goes to the video beside it (or the heading), never to the page. */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, expect, test, vi } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { VideoOrder } from "./CollectionPage";

vi.mock("convex/react", async (original) => ({
  ...(await original<typeof import("convex/react")>()),
  useMutation: () => async () => null,
}));
afterEach(cleanup);

const video = (n: number) => ({
  videoId: `v${n}` as Id<"videos">,
  title: `Cut ${n}`,
  durationSeconds: null,
  status: "ready",
  hasPoster: false,
});

function list(videos: ReturnType<typeof video>[]) {
  return (
    <MemoryRouter>
      <VideoOrder collectionId={"c1" as Id<"collections">} videos={videos} canEdit />
    </MemoryRouter>
  );
}

test("Remove moves the focus to the next video's Remove, the previous one's at the end, the heading when none is left", async () => {
  const { rerender } = render(list([video(1), video(2), video(3)]));
  fireEvent.click(screen.getByRole("button", { name: "Remove Cut 2 from the collection" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Remove Cut 3 from the collection" })));
  rerender(list([video(1), video(3)]));
  fireEvent.click(screen.getByRole("button", { name: "Remove Cut 3 from the collection" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Remove Cut 1 from the collection" })));
  rerender(list([video(1)]));
  fireEvent.click(screen.getByRole("button", { name: "Remove Cut 1 from the collection" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Videos" })));
});

test("a video moved to the top keeps the focus on its Move up, which then does nothing and says it is unavailable", () => {
  const { rerender } = render(list([video(1), video(2)]));
  const up = screen.getByRole("button", { name: "Move Cut 2 up" });
  up.focus();
  fireEvent.click(up);
  rerender(list([video(2), video(1)]));
  const moved = screen.getByRole("button", { name: "Move Cut 2 up" });
  expect(moved.getAttribute("aria-disabled")).toBe("true");
  expect((moved as HTMLButtonElement).disabled).toBe(false);
  expect(document.activeElement).toBe(moved);
  expect(screen.getByRole("button", { name: "Move Cut 1 down" }).getAttribute("aria-disabled")).toBe("true");
});
