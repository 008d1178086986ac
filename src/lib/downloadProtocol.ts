/**
 * What the share page and the download service worker (src/downloadWorker.ts) say to each other.
 * The page posts `start` to the worker with a MessagePort, and when the worker has answered
 * `ready` on it, opens `DOWNLOAD_SCOPE + id` in a hidden frame; the worker answers that request
 * with the file, streamed from the ranges, and tells the page on the port how it goes.
 */
import type { DownloadOutcome } from "./rangedDownload";

/** The worker's script (served at the site's root by the build, vite.config.ts). */
export const DOWNLOAD_WORKER_URL = "/download-sw.js";
/** The worker's scope, and the path of the downloads it answers: it sees no other request. */
export const DOWNLOAD_SCOPE = "/__reelgate-download/";

/** Page → worker (`postMessage` to the worker). `keepalive` keeps a worker busy streaming from being stopped as idle. */
export type ToWorker = { kind: "start"; id: string; url: string } | { kind: "keepalive" };

/** Worker → page, on the port given with `start`. */
export type FromWorker =
  | { kind: "ready" }
  /** The download's request reached the worker (the page need not fall back). */
  | { kind: "accepted" }
  | { kind: "progress"; received: number; total: number }
  | DownloadOutcome;

/** A download's id: what the page picks (crypto.randomUUID) and the worker accepts. */
export const DOWNLOAD_ID = /^[0-9a-f-]{36}$/;

/** A message to the worker, checked: it comes from a page of this origin, but is parsed like any input. */
export function parseToWorker(data: unknown): ToWorker | null {
  if (typeof data !== "object" || data === null) return null;
  const message = data as Record<string, unknown>;
  if (message.kind === "keepalive") return { kind: "keepalive" };
  if (message.kind !== "start" || typeof message.id !== "string" || typeof message.url !== "string") return null;
  if (!DOWNLOAD_ID.test(message.id) || message.url.length > 4096) return null;
  try {
    const url = new URL(message.url);
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  } catch {
    return null;
  }
  return { kind: "start", id: message.id, url: message.url };
}
