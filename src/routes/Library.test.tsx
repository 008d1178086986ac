/**
 * Issue 12 point 1: the library offers "Resume" for an interrupted upload only, never while the
 * same upload is running in this tab (the upload form shows its progress then).
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { getFunctionName, type FunctionReference } from "convex/server";
import { MemoryRouter, useLocation, useNavigate } from "react-router-dom";
import { afterEach, expect, test, vi } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { Upload } from "../components/Upload";
import { VideoList } from "./Library";

let releaseBegin: (error: Error) => void = () => undefined;
const searches: unknown[] = [];

vi.mock("convex/react", () => {
  const name = (ref: unknown) => getFunctionName(ref as FunctionReference<"query" | "mutation" | "action">);
  return {
    useQuery: (ref: unknown, args: unknown) =>
      name(ref) === "search:videos" && searches.push(args)
        ? {
            truncated: false,
            videos: [
              {
                videoId: "v1",
                title: "Notes",
                fileName: "notes.mp4",
                status: "uploading",
                hasPoster: false,
                hasLinks: false,
                createdAt: Date.now(),
                durationSeconds: null,
                size: null,
              },
            ],
          }
        : name(ref) === "videoUploads:uploadLimits"
          ? { maxBytes: 1e9 }
          : undefined,
    useMutation: (ref: unknown) => {
      switch (name(ref)) {
        case "videos:create":
          return async () => "v1";
        // The upload stays in flight until the test cuts it off (a dropped connection).
        case "videoUploads:beginChunkedUpload":
          return () => new Promise((_, reject) => (releaseBegin = reject));
        case "playback:openPosters":
          return () => new Promise(() => undefined);
        default:
          return async () => null;
      }
    },
    useAction: () => async () => ({ ok: true }),
  };
});
vi.mock("../lib/videoFacts", () => ({ readVideoFacts: async () => ({ ok: true, width: 16, height: 9, poster: null }) }));

afterEach(cleanup);

test("Resume shows for an interrupted upload, not while that upload runs in this tab; it returns when the upload is cut off", async () => {
  render(
    <MemoryRouter>
      <Upload teamId={"t1" as Id<"teams">} />
      <VideoList teamId={"t1" as Id<"teams">} canEdit />
    </MemoryRouter>,
  );
  // Left over from before (a closed tab): resumable.
  expect(screen.getByRole("button", { name: "Resume upload of Notes" })).toBeTruthy();
  // Each card's Delete says which video it deletes.
  expect(screen.getByRole("button", { name: "Delete Notes" })).toBeTruthy();
  expect(screen.getByText(/Upload not finished/)).toBeTruthy();

  const input = screen.getByLabelText("Video file");
  Object.defineProperty(input, "files", { value: [new File([new Uint8Array(100)], "notes.mp4", { type: "video/mp4" })] });
  fireEvent.change(input);
  fireEvent.submit(screen.getByRole("form", { name: "Upload a video" }));
  await waitFor(() => expect(screen.getByText(/Uploading…/)).toBeTruthy());
  expect(screen.queryByRole("button", { name: "Resume upload of Notes" })).toBeNull();
  expect(screen.getByRole("progressbar", { name: "Upload progress" })).toBeTruthy();

  releaseBegin(new Error("The upload was interrupted. Choose the same file again to resume."));
  await waitFor(() => expect(screen.getByRole("button", { name: "Resume upload of Notes" })).toBeTruthy());
  expect(screen.getByText(/Upload not finished/)).toBeTruthy();
  expect((await screen.findByRole("alert")).textContent).toContain("The library shows “Resume” for this upload.");
});

test("the library's filters: each select lists its choices in order and sends the one chosen", () => {
  render(
    <MemoryRouter>
      <VideoList teamId={"t1" as Id<"teams">} canEdit />
    </MemoryRouter>,
  );
  const search = screen.getByRole("search", { name: "Videos" });
  const choices = (label: string) =>
    Array.from((screen.getByLabelText(label) as HTMLSelectElement).options).map((o) => [o.value, o.textContent]);
  expect(search.querySelectorAll("select")).toHaveLength(3);
  // Without a search "Best match" means nothing: the default shows as what it is, newest first.
  expect(choices("Sort")).toEqual([
    ["newest", "Newest"],
    ["oldest", "Oldest"],
    ["title", "Title A–Z"],
  ]);
  expect((screen.getByLabelText("Sort") as HTMLSelectElement).value).toBe("newest");
  expect(searches.at(-1)).toMatchObject({ text: "", sort: "newest" });
  expect(choices("Status")).toEqual([
    ["all", "All"],
    ["ready", "Ready"],
    ["uploading", "Uploading"],
    ["failed", "Failed"],
  ]);
  expect(choices("Links")).toEqual([
    ["any", "Any"],
    ["with", "With share links"],
    ["without", "Without share links"],
  ]);
  fireEvent.change(screen.getByLabelText("Sort"), { target: { value: "oldest" } });
  fireEvent.change(screen.getByLabelText("Status"), { target: { value: "failed" } });
  fireEvent.change(screen.getByLabelText("Links"), { target: { value: "without" } });
  expect(searches.at(-1)).toEqual({ teamId: "t1", text: "", sort: "oldest", status: "failed", hasLinks: false });
  fireEvent.change(screen.getByLabelText("Status"), { target: { value: "all" } });
  fireEvent.change(screen.getByLabelText("Links"), { target: { value: "with" } });
  expect(searches.at(-1)).toEqual({ teamId: "t1", text: "", sort: "oldest", status: undefined, hasLinks: true });
});

test("with a search, the sort offers Best match first and starts on it", async () => {
  render(
    <MemoryRouter>
      <VideoList teamId={"t1" as Id<"teams">} canEdit />
    </MemoryRouter>,
  );
  fireEvent.change(screen.getByRole("searchbox", { name: /Search videos/ }), { target: { value: "notes" } });
  await waitFor(() => expect(searches.at(-1)).toMatchObject({ text: "notes", sort: "relevance" }));
  const sort = screen.getByLabelText("Sort") as HTMLSelectElement;
  expect(Array.from(sort.options).map((o) => o.textContent)).toEqual(["Best match", "Newest", "Oldest", "Title A–Z"]);
  expect(sort.value).toBe("relevance");
});

test("the search and filters live in the address: it opens the view it names, and every change is written back", async () => {
  let location = "";
  let go: (to: string) => void = () => undefined;
  function Address() {
    const at = useLocation();
    location = at.search;
    go = useNavigate();
    return null;
  }
  render(
    <MemoryRouter initialEntries={["/?q=beach+day&sort=title&status=failed&links=bogus"]}>
      <VideoList teamId={"t1" as Id<"teams">} canEdit />
      <Address />
    </MemoryRouter>,
  );
  // A value no select holds (links=bogus, hand-edited) reads as the default.
  expect(searches.at(-1)).toEqual({ teamId: "t1", text: "beach day", sort: "title", status: "failed", hasLinks: undefined });
  expect((screen.getByRole("searchbox", { name: /Search videos/ }) as HTMLInputElement).value).toBe("beach day");
  expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("failed");
  fireEvent.change(screen.getByLabelText("Links"), { target: { value: "with" } });
  fireEvent.change(screen.getByLabelText("Status"), { target: { value: "all" } });
  expect(new URLSearchParams(location).get("links")).toBe("with");
  // A default is left out of the address.
  expect(new URLSearchParams(location).has("status")).toBe(false);
  fireEvent.change(screen.getByRole("searchbox", { name: /Search videos/ }), { target: { value: "  sunset " } });
  await waitFor(() => expect(new URLSearchParams(location).get("q")).toBe("sunset"));
  expect(searches.at(-1)).toMatchObject({ text: "sunset", sort: "title", hasLinks: true });
  // An address changed from outside (Back, a pasted link) fills the box and the selects again.
  act(() => go("/?q=harbour&sort=oldest"));
  expect((screen.getByRole("searchbox", { name: /Search videos/ }) as HTMLInputElement).value).toBe("harbour");
  expect((screen.getByLabelText("Sort") as HTMLSelectElement).value).toBe("oldest");
  await waitFor(() => expect(searches.at(-1)).toMatchObject({ text: "harbour", sort: "oldest", hasLinks: undefined }));
  expect(new URLSearchParams(location).get("q")).toBe("harbour");
});
