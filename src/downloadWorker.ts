/**
 * The download service worker (built to /download-sw.js by vite.config.ts; scope
 * DOWNLOAD_SCOPE, so it sees no request but the downloads it was asked for). The share page
 * posts `start` with the grant's download URL and a port; the worker keeps it until the page's
 * hidden frame asks for DOWNLOAD_SCOPE + id, and answers that one request with the whole file as
 * one streamed attachment (lib/rangedDownload.ts openRangeStream): the browser saves it as one
 * download under its name while the ranges are fetched one after another, each checked by the
 * server. A refusal mid-way errors the stream, which the browser marks as a failed download,
 * and is told to the page with its code. Protocol: lib/downloadProtocol.ts.
 */
import { DOWNLOAD_SCOPE, parseToWorker, type FromWorker } from "./lib/downloadProtocol";
import { attachmentHeaders, openRangeStream } from "./lib/rangedDownload";

// The parts of ServiceWorkerGlobalScope used here (the project's lib is DOM, not WebWorker).
type ExtendableEvent = Event & { waitUntil(promise: Promise<unknown>): void };
type FetchEvent = ExtendableEvent & { request: Request; respondWith(response: Promise<Response> | Response): void };
type ExtendableMessageEvent = ExtendableEvent & { data: unknown; ports: readonly MessagePort[] };
type WorkerScope = {
  location: Location;
  skipWaiting(): Promise<void>;
  addEventListener(type: "install", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  addEventListener(type: "message", listener: (event: ExtendableMessageEvent) => void): void;
};
const worker = self as unknown as WorkerScope;

/** Downloads asked for whose request has not come yet (one page's click each; a few at most). */
const MAX_PENDING = 16;
const pending = new Map<string, { url: string; port: MessagePort }>();

// A new version takes over at once: a download already streaming keeps its old worker running.
worker.addEventListener("install", (event) => event.waitUntil(worker.skipWaiting()));

// `keepalive` needs no answer: each message is an event, and a worker that keeps receiving
// events is not stopped as idle while it streams (a download outlasts any one event's limit).
worker.addEventListener("message", (event) => {
  const message = parseToWorker(event.data);
  const port = event.ports[0];
  if (message?.kind !== "start" || !port) return;
  if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
  pending.set(message.id, { url: message.url, port });
  post(port, { kind: "ready" });
});

worker.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== worker.location.origin || !url.pathname.startsWith(DOWNLOAD_SCOPE)) return;
  const id = url.pathname.slice(DOWNLOAD_SCOPE.length);
  const job = pending.get(id);
  // Each download is answered once: a reload of its frame, or a guessed id, gets nothing.
  pending.delete(id);
  if (!job) {
    event.respondWith(new Response("This download has ended. Start it again from the share page.\n", { status: 404 }));
    return;
  }
  post(job.port, { kind: "accepted" });
  event.respondWith(answer(job.url, job.port));
});

function post(port: MessagePort, message: FromWorker) {
  port.postMessage(message);
}

/** The streamed attachment; when the first range is refused or fails, a 204 (the frame stays as it is) and the page is told why. */
async function answer(url: string, port: MessagePort): Promise<Response> {
  try {
    const stream = await openRangeStream(url, {
      onProgress: (received, total) => post(port, { kind: "progress", received, total }),
      onEnd: (outcome) => post(port, outcome),
    });
    if (!stream.ok) {
      post(port, { kind: "refused", code: stream.code });
      return new Response(null, { status: 204 });
    }
    post(port, { kind: "progress", received: 0, total: stream.file.size });
    return new Response(stream.body, { status: 200, headers: attachmentHeaders(stream.file) });
  } catch {
    post(port, { kind: "failed" });
    return new Response(null, { status: 204 });
  }
}
