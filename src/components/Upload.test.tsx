/** Issue 15: the upload form checks the file's size against the deployment's limit before anything is created or sent. */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { Upload } from "./Upload";

const calls: unknown[] = [];
vi.mock("convex/react", () => ({
  useQuery: () => ({ maxBytes: 1000 }),
  useMutation: () => async (args: unknown) => {
    calls.push(args);
    return "v1";
  },
  useAction: () => async (args: unknown) => {
    calls.push(args);
    return { ok: true };
  },
}));
vi.mock("../lib/videoFacts", () => ({ readVideoFacts: async () => ({ ok: true, width: 16, height: 9, poster: null }) }));

afterEach(cleanup);
beforeEach(() => {
  calls.length = 0;
});

function choose(file: File) {
  const input = screen.getByLabelText("Video file");
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  fireEvent.change(input);
}

test("a file over the limit is refused when chosen and at submit, before anything is created or sent", async () => {
  render(<Upload teamId={"t1" as Id<"teams">} />);
  expect(screen.getByText("Up to 1000 B.")).toBeTruthy();
  choose(new File([new Uint8Array(2048)], "huge.mp4", { type: "video/mp4" }));
  expect(screen.getByRole("alert").textContent).toBe(
    "huge.mp4 is 2.0 KB; the largest video you can upload is 1000 B. Nothing was uploaded.",
  );
  fireEvent.submit(screen.getByRole("form", { name: "Upload a video" }));
  await new Promise((r) => setTimeout(r, 20));
  expect(screen.getByRole("alert").textContent).toContain("Nothing was uploaded.");
  expect(calls).toEqual([]);
});

test("a file within the limit goes ahead: the video is created", async () => {
  render(<Upload teamId={"t1" as Id<"teams">} />);
  choose(new File([new Uint8Array(1000)], "fits.mp4", { type: "video/mp4" }));
  expect(screen.queryByRole("alert")).toBeNull();
  fireEvent.submit(screen.getByRole("form", { name: "Upload a video" }));
  await waitFor(() => expect(calls[0]).toMatchObject({ teamId: "t1", title: "fits", fileName: "fits.mp4" }));
});

test("an empty file is named as empty, not as no file chosen", async () => {
  render(<Upload teamId={"t1" as Id<"teams">} />);
  choose(new File([], "blank.webm", { type: "video/webm" }));
  fireEvent.submit(screen.getByRole("form", { name: "Upload a video" }));
  await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("blank.webm is empty (0 bytes): choose the video file itself."));
  expect(calls).toEqual([]);
});

test("a double submit, even while the file is still being checked, creates one video", async () => {
  render(<Upload teamId={"t1" as Id<"teams">} />);
  choose(new File([new Uint8Array(1000)], "twice.mp4", { type: "video/mp4" }));
  const form = screen.getByRole("form", { name: "Upload a video" });
  const creates = () => calls.filter((c) => (c as { fileName?: string }).fileName === "twice.mp4");
  fireEvent.submit(form);
  fireEvent.submit(form);
  await waitFor(() => expect(creates()).toHaveLength(1));
  await new Promise((r) => setTimeout(r, 50));
  expect(creates()).toHaveLength(1);
});
