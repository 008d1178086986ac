/**
 * Downloads of any size from the share page: the file is fetched as chunk-aligned ranges
 * (`bytes=N-`, each answer at most one 8 MiB chunk, convex/lib/ranges.ts), every request checked
 * by the server like any other, so a revoke or an expired grant stops the download at the next
 * range. Each range goes to `sink` as it arrives (a file on disk where the browser allows it).
 */
export type DownloadSink = { write(part: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> };
export type DownloadResult = { ok: true; name: string; size: number } | { ok: false; code: string };

function fileNameOf(response: Response): string {
  const header = response.headers.get("Content-Disposition") ?? "";
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (utf8) return decodeURIComponent(utf8[1]);
  return /filename="([^"]+)"/i.exec(header)?.[1] ?? "video";
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
      const response = await fetchImpl(url, { headers: { Range: `bytes=${next}-` }, referrerPolicy: "no-referrer" });
      if (response.status !== 206 && response.status !== 200) {
        const body = (await response.json().catch(() => null)) as { error?: { code?: string } } | null;
        await sink?.abort();
        return { ok: false, code: body?.error?.code ?? `HTTP_${response.status}` };
      }
      const range = /bytes (\d+)-(\d+)\/(\d+)/.exec(response.headers.get("Content-Range") ?? "");
      const part = new Uint8Array(await response.arrayBuffer());
      // A 200 is the whole file at once (one chunk); a 206 must continue where we are.
      if (response.status === 206 && (!range || Number(range[1]) !== next)) throw new Error("The server answered a different range.");
      total = range ? Number(range[3]) : part.length;
      if (!sink) {
        name = fileNameOf(response);
        sink = await openSink(name, total);
      }
      await sink.write(part);
      next = range ? Number(range[2]) + 1 : part.length;
      onProgress(next, total);
    }
    await sink?.close();
    return { ok: true, name, size: total };
  } catch (e) {
    await sink?.abort();
    throw e;
  }
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
