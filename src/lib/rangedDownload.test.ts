import { expect, test } from "vitest";
import { parseToWorker } from "./downloadProtocol";
import {
  attachmentHeaders,
  downloadInRanges,
  DownloadRefused,
  fileNameOf,
  openRangeStream,
  PROGRESS_STEP,
  type DownloadOutcome,
  type DownloadSink,
} from "./rangedDownload";

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
        "Content-Type": "video/mp4",
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

/** Reads a stream to its end: its bytes, or what it errored with. */
async function readAll(body: ReadableStream<Uint8Array>): Promise<{ bytes: number[]; error: unknown }> {
  const reader = body.getReader();
  const bytes: number[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes, error: null };
      for (const byte of value) bytes.push(byte);
    }
  } catch (error) {
    return { bytes, error };
  }
}

function streamEvents() {
  const log = { progress: [] as number[], outcomes: [] as DownloadOutcome[] };
  return {
    log,
    events: { onProgress: (got: number) => void log.progress.push(got), onEnd: (o: DownloadOutcome) => void log.outcomes.push(o) },
  };
}

test("a streamed download is one body pulled range by range: the next range is asked for only when the last is read", async () => {
  const { fake, requests } = server();
  const { log, events } = streamEvents();
  const stream = await openRangeStream("http://x/media/g/download", events, fake);
  if (!stream.ok) throw new Error("refused");
  expect(stream.file).toEqual({ name: "Café.mp4", size: 25, contentType: "video/mp4" });
  // Nothing read ahead: only the first range so far, whatever the reader does later.
  expect(requests).toEqual(["bytes=0-"]);
  const reader = stream.body.getReader();
  expect(Array.from((await reader.read()).value!)).toEqual(Array.from(FILE.slice(0, 10)));
  expect(requests).toEqual(["bytes=0-"]);
  reader.releaseLock();
  const rest = await readAll(stream.body);
  expect(rest).toEqual({ bytes: Array.from(FILE.slice(10)), error: null });
  expect(requests).toEqual(["bytes=0-", "bytes=10-", "bytes=20-"]);
  expect(log).toEqual({ progress: [10, 20, 25], outcomes: [{ kind: "done" }] });
});

test("a revoke mid-stream errors the stream with the refusal, after the bytes already given; the first refusal is returned as its code", async () => {
  const { fake } = server(2);
  const { log, events } = streamEvents();
  const stream = await openRangeStream("http://x/media/g/download", events, fake);
  if (!stream.ok) throw new Error("refused");
  const { bytes, error } = await readAll(stream.body);
  expect(bytes).toEqual(Array.from(FILE.slice(0, 20)));
  expect(error).toBeInstanceOf(DownloadRefused);
  expect((error as DownloadRefused).code).toBe("SHARE_NOT_FOUND");
  expect(log.outcomes).toEqual([{ kind: "refused", code: "SHARE_NOT_FOUND" }]);

  const refusedAtOnce = await openRangeStream("http://x/media/g/download", streamEvents().events, server(0).fake);
  expect(refusedAtOnce).toEqual({ ok: false, code: "SHARE_NOT_FOUND" });
});

test("an answer cut short or out of place fails the stream; a cancel stops asking", async () => {
  const cut = (async (_url: string, init?: RequestInit) => {
    const start = Number(/bytes=(\d+)-/.exec(new Headers(init?.headers).get("Range")!)![1]);
    // Claims ten bytes, sends five.
    return new Response(FILE.slice(start, start + 5), { status: 206, headers: { "Content-Range": `bytes ${start}-${start + 9}/25` } });
  }) as typeof fetch;
  const { log, events } = streamEvents();
  const stream = await openRangeStream("http://x/d", events, cut);
  if (!stream.ok) throw new Error("refused");
  const { bytes, error } = await readAll(stream.body);
  expect(bytes).toHaveLength(5);
  expect(String(error)).toMatch(/stopped short/);
  expect(log.outcomes).toEqual([{ kind: "failed" }]);

  const elsewhere = (async () =>
    new Response(FILE.slice(0, 10), { status: 206, headers: { "Content-Range": "bytes 0-9/25" } })) as typeof fetch;
  const other = streamEvents();
  const repeated = await openRangeStream("http://x/d", other.events, elsewhere);
  if (!repeated.ok) throw new Error("refused");
  expect(String((await readAll(repeated.body)).error)).toMatch(/different range/);
  expect(other.log.outcomes).toEqual([{ kind: "failed" }]);

  const { fake, requests } = server();
  const cancelled = streamEvents();
  const stream3 = await openRangeStream("http://x/d", cancelled.events, fake);
  if (!stream3.ok) throw new Error("refused");
  await stream3.body.cancel();
  expect(requests).toEqual(["bytes=0-"]);
  expect(cancelled.log.outcomes).toEqual([{ kind: "cancelled" }]);
});

test("a cancel while the next range is on its way: that range's bytes are dropped and nothing more is asked", async () => {
  const { fake, requests } = server();
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let answered!: Response;
  const slow = (async (url: string, init?: RequestInit) => {
    const response = await fake(url, init);
    if (requests.length === 2) {
      answered = response;
      await arrived;
    }
    return response;
  }) as typeof fetch;
  const { log, events } = streamEvents();
  const stream = await openRangeStream("http://x/d", events, slow);
  if (!stream.ok) throw new Error("refused");
  const reader = stream.body.getReader();
  await reader.read();
  const pending = reader.read(); // asks for bytes=10-, which waits
  await expect.poll(() => requests.length).toBe(2);
  await reader.cancel();
  arrive();
  expect(await pending).toEqual({ done: true, value: undefined });
  // Its body was cancelled, not read (a reader would hold it locked).
  await expect.poll(() => answered.bodyUsed).toBe(true);
  expect(answered.body!.locked).toBe(false);
  expect(requests).toEqual(["bytes=0-", "bytes=10-"]);
  expect(log.outcomes).toEqual([{ kind: "cancelled" }]);
});

test("a one-chunk file answered 200 streams by its Content-Length", async () => {
  const whole = (async () =>
    new Response(FILE.slice(0, 7), {
      status: 200,
      headers: { "Content-Length": "7", "Content-Disposition": 'attachment; filename="a.webm"' },
    })) as typeof fetch;
  const { log, events } = streamEvents();
  const stream = await openRangeStream("http://x/d", events, whole);
  if (!stream.ok) throw new Error("refused");
  expect(stream.file).toEqual({ name: "a.webm", size: 7, contentType: "" });
  expect(await readAll(stream.body)).toEqual({ bytes: Array.from(FILE.slice(0, 7)), error: null });
  expect(log.outcomes).toEqual([{ kind: "done" }]);
});

test("progress within a long range is reported every PROGRESS_STEP bytes and at its end", async () => {
  const size = 3 * PROGRESS_STEP + 5;
  const piece = 256 * 1024;
  const big = (async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= size) return controller.close();
        const n = Math.min(piece, size - sent);
        sent += n;
        controller.enqueue(new Uint8Array(n));
      },
    });
    return new Response(body, { status: 206, headers: { "Content-Range": `bytes 0-${size - 1}/${size}` } });
  }) as typeof fetch;
  const { log, events } = streamEvents();
  const stream = await openRangeStream("http://x/d", events, big);
  if (!stream.ok) throw new Error("refused");
  expect((await readAll(stream.body)).bytes).toHaveLength(size);
  expect(log.progress).toEqual([PROGRESS_STEP, 2 * PROGRESS_STEP, 3 * PROGRESS_STEP, size]);
});

test("the saved response is an attachment under the file's name (RFC 6266 filename* for non-ASCII), with its length and type", () => {
  const headers = attachmentHeaders({ name: "Café noir – 1.webm", size: 123456789, contentType: "video/webm" });
  expect(headers).toMatchObject({ "Content-Type": "video/webm", "Content-Length": "123456789", "X-Content-Type-Options": "nosniff" });
  expect(headers["Content-Disposition"]).toBe(
    `attachment; filename="Caf_ noir _ 1.webm"; filename*=UTF-8''Caf%C3%A9%20noir%20%E2%80%93%201.webm`,
  );
  expect(fileNameOf(headers["Content-Disposition"])).toBe("Café noir – 1.webm");
  // Quotes and apostrophes cannot break out of either form.
  const odd = attachmentHeaders({ name: `it's "x".mp4`, size: 1, contentType: "" });
  expect(odd["Content-Disposition"]).toBe(`attachment; filename="it's _x_.mp4"; filename*=UTF-8''it%27s%20%22x%22.mp4`);
  expect(fileNameOf(odd["Content-Disposition"])).toBe(`it's "x".mp4`);
  expect(odd["Content-Type"]).toBe("application/octet-stream");
  expect(fileNameOf(`attachment; filename*=UTF-8''%E0%A4`)).toBe("video");
});

test("the worker accepts only well-formed start messages", () => {
  const id = "0b6f3c2e-3d1a-4c8e-9f0a-1b2c3d4e5f60";
  expect(parseToWorker({ kind: "start", id, url: "https://site.example/media/g/download" })).toEqual({
    kind: "start",
    id,
    url: "https://site.example/media/g/download",
  });
  expect(parseToWorker({ kind: "keepalive", extra: 1 })).toEqual({ kind: "keepalive" });
  for (const bad of [
    null,
    "start",
    { kind: "start", id: "../x", url: "https://a/" },
    { kind: "start", id, url: "javascript:alert(1)" },
    { kind: "start", id, url: 5 },
  ])
    expect(parseToWorker(bad)).toBeNull();
});
