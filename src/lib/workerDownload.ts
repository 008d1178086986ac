/**
 * The share page's side of a download through the service worker (src/downloadWorker.ts,
 * protocol in downloadProtocol.ts): one download in the browser's own list, under the file's
 * name, written to disk as the ranges arrive, with progress here. Loaded with the downloader,
 * on the first click of Download (shareDownload.ts).
 */
import { DOWNLOAD_SCOPE, DOWNLOAD_WORKER_URL, type FromWorker, type ToWorker } from "./downloadProtocol";
import type { DownloadOutcome } from "./rangedDownload";

/** The worker is asked to answer within this long, or the page downloads without it. */
const READY_WITHIN_MS = 15_000;
/** How often a streaming worker is reminded it is busy (browsers stop a worker idle for 30 s). */
const KEEPALIVE_MS = 10_000;
/** A finished download's frame stays this long (the browser may still be writing the file). */
const FRAME_KEPT_MS = 60_000;

/** Service workers can run here (a secure context: https, or localhost). */
export function workerDownloadsPossible(): boolean {
  return "serviceWorker" in navigator && window.isSecureContext;
}

/** The worker once active: registered on first use, updated by the browser as any worker is. */
async function activeWorker(): Promise<ServiceWorker> {
  const registration = await navigator.serviceWorker.register(DOWNLOAD_WORKER_URL, { scope: DOWNLOAD_SCOPE });
  const worker = registration.active ?? registration.waiting ?? registration.installing;
  if (!worker) throw new Error("The download worker did not install.");
  if (worker.state === "activated") return worker;
  return await new Promise<ServiceWorker>((resolve, reject) => {
    const onChange = () => {
      if (worker.state === "activated") resolve(worker);
      else if (worker.state === "redundant") reject(new Error("The download worker did not install."));
      else return;
      worker.removeEventListener("statechange", onChange);
    };
    worker.addEventListener("statechange", onChange);
    onChange();
  });
}

/**
 * Downloads `url` through the worker. "unavailable" when the worker could not take it before any
 * byte was asked for (the caller downloads another way); else how it ended.
 */
export async function downloadThroughWorker(
  url: string,
  onProgress: (received: number, total: number) => void,
): Promise<DownloadOutcome | "unavailable"> {
  let worker: ServiceWorker;
  try {
    worker = await activeWorker();
  } catch {
    return "unavailable";
  }
  const id = crypto.randomUUID();
  const channel = new MessageChannel();
  const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);
  // Set in the port's handler (a closure: declared with its full type so it is not narrowed to null).
  let frame = null as HTMLIFrameElement | null;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  try {
    return await new Promise<DownloadOutcome | "unavailable">((resolve) => {
      let accepted = false;
      const notReady = setTimeout(() => resolve("unavailable"), READY_WITHIN_MS);
      channel.port1.onmessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data;
        switch (message.kind) {
          case "ready":
            clearTimeout(notReady);
            frame = Object.assign(document.createElement("iframe"), { hidden: true, title: "Download" });
            // A frame that loads a page was not answered by the worker (it went to the network).
            frame.addEventListener("load", () => accepted || resolve("unavailable"));
            frame.src = DOWNLOAD_SCOPE + id;
            document.body.appendChild(frame);
            return;
          case "accepted":
            accepted = true;
            keepalive = setInterval(() => send({ kind: "keepalive" }), KEEPALIVE_MS);
            return;
          case "progress":
            return onProgress(message.received, message.total);
          case "done":
          case "refused":
          case "failed":
          case "cancelled":
            return resolve(message);
          default:
            return message satisfies never;
        }
      };
      send({ kind: "start", id, url }, [channel.port2]);
    });
  } finally {
    clearInterval(keepalive);
    channel.port1.close();
    const used = frame;
    if (used) setTimeout(() => used.remove(), FRAME_KEPT_MS);
  }
}
