import { expect, test } from "vitest";
import { downloadInRanges, type DownloadSink } from "./rangedDownload";

const FILE = new Uint8Array(25).map((_, i) => i);
const CHUNK = 10;

/** A server that answers `bytes=N-` with chunk-aligned 206s (as convex/lib/ranges.ts) and refuses after `revokeAfter` answers. */
function server(revokeAfter = Infinity) {
  let answered = 0;
  const requests: string[] = [];
  const fake = (async (_url: string, init?: RequestInit) => {
    const range = new Headers(init?.headers).get("Range")!;
    requests.push(range);
    if (answered++ >= revokeAfter)
      return new Response(JSON.stringify({ error: { code: "SHARE_NOT_FOUND", message: "gone" } }), { status: 404 });
    const start = Number(/bytes=(\d+)-/.exec(range)![1]);
    const end = Math.min(FILE.length, (Math.floor(start / CHUNK) + 1) * CHUNK) - 1;
    return new Response(FILE.slice(start, end + 1), {
      status: 206,
      headers: {
        "Content-Range": `bytes ${start}-${end}/${FILE.length}`,
        "Content-Disposition": `attachment; filename="cut.mp4"; filename*=UTF-8''Caf%C3%A9.mp4`,
      },
    });
  }) as typeof fetch;
  return { fake, requests };
}

function memorySink() {
  const state = { parts: [] as Uint8Array[], closed: false, aborted: false, name: "" };
  const open = async (name: string): Promise<DownloadSink> => {
    state.name = name;
    return {
      write: async (p) => void state.parts.push(p),
      close: async () => void (state.closed = true),
      abort: async () => void (state.aborted = true),
    };
  };
  return { state, open };
}

test("a file is assembled from chunk-aligned ranges, streamed part by part, with progress and its name", async () => {
  const { fake, requests } = server();
  const sink = memorySink();
  const progress: number[] = [];
  const result = await downloadInRanges("http://x/media/g/download", sink.open, (got) => progress.push(got), fake);
  expect(result).toEqual({ ok: true, name: "Café.mp4", size: 25 });
  expect(requests).toEqual(["bytes=0-", "bytes=10-", "bytes=20-"]);
  expect(progress).toEqual([10, 20, 25]);
  expect(Array.from(new Uint8Array(sink.state.parts.flatMap((p) => Array.from(p))))).toEqual(Array.from(FILE));
  expect(sink.state).toMatchObject({ closed: true, aborted: false, name: "Café.mp4" });
});

test("a revoke mid-download stops it at the next range: the partial file is discarded and the refusal returned", async () => {
  const { fake, requests } = server(1);
  const sink = memorySink();
  const result = await downloadInRanges("http://x/media/g/download", sink.open, () => undefined, fake);
  expect(result).toEqual({ ok: false, code: "SHARE_NOT_FOUND" });
  expect(requests).toHaveLength(2);
  expect(sink.state).toMatchObject({ closed: false, aborted: true });
});
