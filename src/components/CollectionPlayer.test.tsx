/**
 * A shared collection's player: Download goes through the share page's ranged downloader (a
 * plain GET of a file over 20 MiB is refused, and a refusal would show as JSON), under the
 * file's name, with progress and the refusal in words; and a video that leaves the collection
 * while watched gives way to the first for good, so re-adding it does not pull the viewer back.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { FunctionReturnType } from "convex/server";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { REFUSALS } from "../../convex/lib/refusalTable";
import { CollectionPlayer } from "./CollectionPlayer";

vi.mock("../lib/live", async (original) => ({
  ...(await original<typeof import("../lib/live")>()),
  useLiveQuery: () => undefined,
  useLiveMutation: () => async () => null,
  useLiveConnectionState: () => ({ hasEverConnected: true, isWebSocketConnected: true }),
}));

type View = NonNullable<FunctionReturnType<typeof api.collections.getByShareGrant>>;
const GRANT = "g".repeat(43);

function video(id: string, title: string, canDownload = true): View["videos"][number] {
  const base = `http://site.test/media/${GRANT}`;
  return {
    videoId: id as Id<"videos">,
    title,
    description: "",
    durationSeconds: 4,
    mediaUrl: `${base}?video=${id}`,
    downloadUrl: canDownload ? `${base}/download?video=${id}` : null,
    posterUrl: null,
  };
}

function collection(videos: View["videos"], over: Partial<View> = {}): View {
  return {
    title: "Season one",
    description: "",
    note: null,
    canDownload: true,
    grantExpiresAt: Date.now() + 86_400_000,
    linkExpiresAt: null,
    videos,
    ...over,
  };
}

const A = video("a", "Cut A");
const B = video("b", "Cut B");
const C = video("c", "Cut C");

const FILE = new Uint8Array(25).map((_, i) => i);
const CHUNK = 10;
/** Every download request: its URL and Range header (none: a plain GET). */
const requests: { url: string; range: string | null }[] = [];
/** What the fake server answers a download with: the file in chunk-aligned ranges, or a refusal. */
let refuseWith: keyof typeof REFUSALS | null = null;
/** A range request for this start waits until `release` is called. */
let holdAt: number | null = null;
let release = () => {};
let held = Promise.resolve();
/** What the browser was asked to save (the fallback's Blob, saved through a link). */
const saved: { name: string; size: number }[] = [];

async function fakeServer(url: string, init?: RequestInit): Promise<Response> {
  const range = new Headers(init?.headers).get("Range");
  requests.push({ url, range });
  if (refuseWith) {
    const { status, code } = REFUSALS[refuseWith];
    return new Response(JSON.stringify({ error: { code, message: "no" } }), { status });
  }
  if (range === null) {
    // As on Convex: a file over 20 MiB is sent only in ranges.
    const { status, code } = REFUSALS.rangeRequired;
    return new Response(JSON.stringify({ error: { code, message: "no" } }), { status });
  }
  const start = Number(/bytes=(\d+)-/.exec(range)![1]);
  if (start === holdAt) await held;
  const end = Math.min(FILE.length, (Math.floor(start / CHUNK) + 1) * CHUNK) - 1;
  return new Response(FILE.slice(start, end + 1), {
    status: 206,
    headers: {
      "Content-Range": `bytes ${start}-${end}/${FILE.length}`,
      "Content-Disposition": `attachment; filename="Cut B.webm"; filename*=UTF-8''Cut%20B%20%E2%80%93%20final.webm`,
      "Content-Type": "video/webm",
    },
  });
}

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});
beforeEach(() => {
  history.replaceState(null, "", "/share/t");
  requests.length = 0;
  saved.length = 0;
  refuseWith = null;
  holdAt = null;
  vi.stubGlobal("fetch", fakeServer);
  let blob: Blob | null = null;
  // jsdom has no object URLs: the Blob the fallback saves is kept here instead.
  Object.assign(URL, { createObjectURL: (b: Blob) => ((blob = b), "blob:saved"), revokeObjectURL: () => {} });
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    if (this.href === "blob:saved") saved.push({ name: this.download, size: blob!.size });
  });
});

const heading = () => screen.getByRole("heading", { level: 2 }).textContent;
const playlist = () => screen.getByRole("region", { name: "Videos in this collection" });

test("Download of a collection's video goes in ranges through the share page's downloader, under its name, with progress", async () => {
  holdAt = CHUNK;
  held = new Promise<void>((resolve) => (release = resolve));
  render(<CollectionPlayer view={collection([A, B])} grantToken={GRANT} />);
  fireEvent.click(within(playlist()).getByText("Cut B"));
  expect(heading()).toBe("Cut B");
  const link = await screen.findByRole("link", { name: "Download" });
  // Still a real link to the file, but the click downloads in the page (no navigation to the JSON).
  expect(link.getAttribute("href")).toBe(B.downloadUrl);
  expect(fireEvent.click(link)).toBe(false);

  // Mid-way: the first range is in, the second is held; the progress says so, of the whole file.
  const progress = await screen.findByRole("progressbar", { name: "Download progress" });
  await waitFor(() =>
    expect([(progress as HTMLProgressElement).value, (progress as HTMLProgressElement).max]).toEqual([CHUNK, FILE.length]),
  );
  expect(screen.getByRole("link", { name: "Downloading…" }).getAttribute("aria-disabled")).toBe("true");
  await act(async () => release());

  await waitFor(() => expect(saved).toEqual([{ name: "Cut B – final.webm", size: FILE.length }]));
  expect(requests).toEqual([0, 10, 20].map((n) => ({ url: B.downloadUrl, range: `bytes=${n}-` })));
  expect(screen.getByRole("link", { name: "Download" })).toBeTruthy();
  expect(screen.queryByRole("progressbar")).toBeNull();
  expect(screen.queryByRole("alert")).toBeNull();
});

test.each([
  ["downloads turned off", "downloadDisabled"],
  ["the download limit reached", "downloadLimit"],
] as const)("a refusal (%s) is said in the share page's words, for that video, not shown as JSON", async (_, reason) => {
  refuseWith = reason;
  render(<CollectionPlayer view={collection([A, B])} grantToken={GRANT} />);
  fireEvent.click(await screen.findByRole("link", { name: "Download" }));
  expect((await screen.findByRole("alert")).textContent).toBe(REFUSALS[reason].words);
  expect(requests).toEqual([{ url: A.downloadUrl, range: "bytes=0-" }]);
  expect(saved).toEqual([]);
  // Said of the video it was about: not on the next one's page, and again on coming back.
  fireEvent.click(within(playlist()).getByText("Cut B"));
  expect(screen.queryByRole("alert")).toBeNull();
  fireEvent.click(within(playlist()).getByText("Cut A"));
  expect(screen.getByRole("alert").textContent).toBe(REFUSALS[reason].words);
});

test("the refusal stays said when downloads are turned off and the link's Download goes with them", async () => {
  refuseWith = "downloadDisabled";
  const { rerender } = render(<CollectionPlayer view={collection([A])} grantToken={GRANT} />);
  fireEvent.click(await screen.findByRole("link", { name: "Download" }));
  await screen.findByRole("alert");
  rerender(<CollectionPlayer view={collection([video("a", "Cut A", false)], { canDownload: false })} grantToken={GRANT} />);
  expect(screen.queryByRole("link", { name: "Download" })).toBeNull();
  expect(screen.getByRole("alert").textContent).toBe(REFUSALS.downloadDisabled.words);
});

test("a video removed while watched gives way to the first for good: re-added, it only reappears in the list", () => {
  const { rerender } = render(<CollectionPlayer view={collection([A, B, C])} grantToken={GRANT} />);
  fireEvent.click(within(playlist()).getByText("Cut B"));
  expect(heading()).toBe("Cut B");

  rerender(<CollectionPlayer view={collection([A, C])} grantToken={GRANT} />);
  expect(heading()).toBe("Cut A");
  const playing = screen.getByRole("heading", { name: "Cut A" }).nextElementSibling as HTMLVideoElement;

  rerender(<CollectionPlayer view={collection([A, B, C])} grantToken={GRANT} />);
  expect(heading()).toBe("Cut A");
  // The same element plays on (not a new one from the start), and Cut B is back in the list.
  expect(screen.getByRole("heading", { name: "Cut A" }).nextElementSibling).toBe(playing);
  expect(
    within(playlist())
      .getAllByRole("button")
      .map((b) => [b.textContent, b.getAttribute("aria-current")]),
  ).toEqual([
    [expect.stringContaining("Cut A"), "true"],
    [expect.stringContaining("Cut B"), null],
    [expect.stringContaining("Cut C"), null],
  ]);
});
