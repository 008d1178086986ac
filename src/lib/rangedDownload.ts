/**
 * Downloads of any size from the share page: the file is fetched as chunk-aligned ranges
 * (`bytes=N-`, each answer at most one 8 MiB chunk, convex/lib/ranges.ts), every request checked
 * by the server like any other, so a revoke or an expired grant stops the download at the next
 * range. Two ways to assemble them: `openRangeStream`, one stream pulled range by range (what the
 * download service worker answers with, src/downloadWorker.ts: nothing held in memory), and
 * `downloadInRanges`, each range handed to a sink (the fallbacks of `browserSink`).
 */
import { contentDisposition } from "../../convex/lib/mediaHeaders";

export type DownloadSink = { write(part: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> };
export type DownloadResult = { ok: true; name: string; size: number } | { ok: false; code: string };
/** What is being downloaded, from the first range's answer. */
export type DownloadFile = { name: string; size: number; contentType: string };
/** How a streamed download ended: every byte given, refused by the server (its API code), broken, or cancelled by the person. */
export type DownloadOutcome = { kind: "done" } | { kind: "refused"; code: string } | { kind: "failed" } | { kind: "cancelled" };

/** The file name of a media answer's Content-Disposition (the UTF-8 original when given, RFC 6266). */
export function fileNameOf(header: string | null): string {
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(header ?? "");
  if (utf8) {
    try {
      return decodeURIComponent(utf8[1]);
    } catch {
      // A malformed encoding: the ASCII name below.
    }
  }
  return /filename="([^"]+)"/i.exec(header ?? "")?.[1] ?? "video";
}

/**
 * The headers of the one response a streamed download is saved from: an attachment under the
 * file's name (an ASCII fallback and `filename*=UTF-8''…`, convex/lib/mediaHeaders.ts), its full
 * length (the browser shows the size and marks a download that stops short as failed) and type.
 */
export function attachmentHeaders(file: DownloadFile): Record<string, string> {
  return {
    "Content-Type": file.contentType || "application/octet-stream",
    "Content-Length": String(file.size),
    "Content-Disposition": contentDisposition("attachment", file.name),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  };
}

/** A range answer, checked: it starts at `start`, ends at `end` (exclusive), of a file of `total` bytes. */
type RangeAnswer = { ok: true; response: Response; start: number; end: number; total: number };

/** The server's refusal code from a JSON error body (`HTTP_<status>` when it has none). */
async function refusalCode(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { code?: unknown } } | null;
  return typeof body?.error?.code === "string" ? body.error.code : `HTTP_${response.status}`;
}

/** Asks for `bytes=<start>-`; a refusal as its code; throws on an answer that is not the range asked for. */
async function fetchRange(url: string, start: number, fetchImpl: typeof fetch): Promise<RangeAnswer | { ok: false; code: string }> {
  const response = await fetchImpl(url, { headers: { Range: `bytes=${start}-` }, referrerPolicy: "no-referrer" });
  if (response.status !== 206 && response.status !== 200) return { ok: false, code: await refusalCode(response) };
  const range = /bytes (\d+)-(\d+)\/(\d+)/.exec(response.headers.get("Content-Range") ?? "");
  if (response.status === 206) {
    // A 206 must continue where we are.
    if (!range || Number(range[1]) !== start) throw new Error("The server answered a different range.");
    return { ok: true, response, start, end: Number(range[2]) + 1, total: Number(range[3]) };
  }
  // A 200 is the whole file at once (one chunk), and only an answer to the first range.
  const length = Number(response.headers.get("Content-Length") ?? NaN);
  if (start !== 0 || !Number.isSafeInteger(length)) throw new Error("The server answered without the file's size.");
  return { ok: true, response, start: 0, end: length, total: length };
}

export async function downloadInRanges(
  url: string,
  openSink: (name: string, size: number) => Promise<DownloadSink>,
  onProgress: (received: number, total: number) => void,
  fetchImpl: typeof fetch = fetch,
): Promise<DownloadResult> {
  let next = 0;
  let total = Number.POSITIVE_INFINITY;
  let sink: DownloadSink | null = null;
  let name = "video";
  try {
    while (next < total) {
      const answer = await fetchRange(url, next, fetchImpl);
      if (!answer.ok) {
        await sink?.abort();
        return answer;
      }
      const part = new Uint8Array(await answer.response.arrayBuffer());
      if (part.length !== answer.end - answer.start) throw new Error("The server's answer is not the length of its range.");
      total = answer.total;
      if (!sink) {
        name = fileNameOf(answer.response.headers.get("Content-Disposition"));
        sink = await openSink(name, total);
      }
      await sink.write(part);
      next = answer.end;
      onProgress(next, total);
    }
    await sink?.close();
    return { ok: true, name, size: total };
  } catch (e) {
    await sink?.abort();
    throw e;
  }
}

/** A refusal that stopped a streamed download: what the stream errors with. */
export class DownloadRefused extends Error {
  constructor(readonly code: string) {
    super(`The server refused the download: ${code}.`);
  }
}

/** A streamed download reports progress at least this often (in bytes) within a range. */
export const PROGRESS_STEP = 1024 * 1024;

export type RangeStream = { ok: true; file: DownloadFile; body: ReadableStream<Uint8Array> } | { ok: false; code: string };

/**
 * The file at `url` as one stream: the first range is asked for now (a refusal is returned as
 * its code), each next one only when the reader has taken the last bytes of the one before, so
 * at most one read's bytes wait in memory. A refusal mid-way errors the stream with
 * `DownloadRefused`; an answer cut short or out of place errors it too. `onProgress` is told at
 * the end of each range and every PROGRESS_STEP bytes within one; `onEnd` once, how it ended.
 */
export async function openRangeStream(
  url: string,
  events: { onProgress(received: number, total: number): void; onEnd(outcome: DownloadOutcome): void },
  fetchImpl: typeof fetch = fetch,
): Promise<RangeStream> {
  const first = await fetchRange(url, 0, fetchImpl);
  if (!first.ok) return first;
  const { total } = first;
  const file: DownloadFile = {
    name: fileNameOf(first.response.headers.get("Content-Disposition")),
    size: total,
    contentType: first.response.headers.get("Content-Type") ?? "",
  };
  let answer: RangeAnswer = first;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = first.response.body?.getReader() ?? null;
  let received = 0;
  let reported = 0;
  let ended = false;
  const end = (outcome: DownloadOutcome) => {
    if (ended) return;
    ended = true;
    events.onEnd(outcome);
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            if (received >= total) {
              controller.close();
              return end({ kind: "done" });
            }
            if (!reader) {
              const next = await fetchRange(url, received, fetchImpl);
              // Cancelled while the range was on its way: its bytes are not wanted.
              if (ended) {
                if (next.ok) await next.response.body?.cancel().catch(() => undefined);
                return;
              }
              if (!next.ok) {
                end({ kind: "refused", code: next.code });
                return controller.error(new DownloadRefused(next.code));
              }
              if (next.total !== total) throw new Error("The file changed during the download.");
              answer = next;
              reader = next.response.body?.getReader() ?? null;
              if (!reader) throw new Error("The server's answer has no body.");
            }
            const { done, value } = await reader.read();
            if (done) {
              if (received !== answer.end) throw new Error("The server's answer stopped short of its range.");
              reader = null;
              continue;
            }
            if (received + value.length > answer.end) throw new Error("The server's answer is longer than its range.");
            received += value.length;
            controller.enqueue(value);
            if (received === answer.end || received - reported >= PROGRESS_STEP) {
              reported = received;
              events.onProgress(received, total);
            }
            return;
          }
        } catch (e) {
          end({ kind: "failed" });
          controller.error(e);
        }
      },
      async cancel(reason) {
        end({ kind: "cancelled" });
        await reader?.cancel(reason).catch(() => undefined);
      },
    },
    // Nothing read ahead of the reader: the next range is fetched when the last is taken.
    { highWaterMark: 0 },
  );
  return { ok: true, file, body };
}

type SavePicker = (opts: {
  suggestedName: string;
}) => Promise<{ createWritable(): Promise<{ write(data: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> }> }>;

/**
 * Where the bytes go: for large files, straight to a file the user picks when the browser can
 * write files (File System Access API: nothing held in memory); otherwise the parts are
 * collected into one Blob that is saved through a link at the end.
 */
/** From this size on, a browser that can write files streams to disk instead of collecting a Blob. */
export const STREAM_TO_DISK_FROM = 256 * 1024 * 1024;

export function browserSink(): (name: string, size: number) => Promise<DownloadSink> {
  const picker = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  return async (name, size) => {
    if (picker && size >= STREAM_TO_DISK_FROM) {
      const writable = await (await picker({ suggestedName: name })).createWritable();
      return { write: (part) => writable.write(part), close: () => writable.close(), abort: () => writable.abort() };
    }
    const parts: BlobPart[] = [];
    return {
      write: async (part) => void parts.push(part as BlobPart),
      abort: async () => void (parts.length = 0),
      close: async () => {
        const href = URL.createObjectURL(new Blob(parts));
        const a = Object.assign(document.createElement("a"), { href, download: name });
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(href), 60_000);
      },
    };
  };
}
