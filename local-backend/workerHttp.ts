/**
 * An HTTP action inside a pool worker (executor.ts). Its request body is pulled from the engine
 * a chunk at a time, as the action reads it; its response goes back as a head, then body chunks as
 * fast as the action makes them, the execution ending with the body. As on Convex, the action's
 * execution lasts as long as it takes to make its body, not as long as the client takes to read
 * it (crates/isolate/src/environment/action/mod.rs: body chunks go to an unbounded channel, the
 * isolate is freed when the body stream ends); the engine holds what the client has not read yet,
 * at most Convex's 20 MiB cap and one chunk (past the cap the body is given up, and the site server
 * cuts the response with Convex's error). A stored file's bytes (a FileBlob body) are not copied
 * at all: the head names the file range and the site server sends it from disk.
 */
import { fileRangeOf } from "./fileBlob";
import { HTTP_ACTION_BODY_LIMIT } from "./httpInput";
import type { HttpFromWorker, HttpRequestHead, HttpResponseHead, HttpToWorker } from "./executionProtocol";
import { functionErrorPayload } from "./workerErrors";

type Send = (part: HttpFromWorker, transfer?: ArrayBuffer[]) => void;

export class WorkerHttpExchange {
  /** The request body's pull waiting for its chunk. */
  private onRequestPart: ((part: HttpToWorker) => void) | null = null;
  /** The site server gave up on the response body (the client went away). */
  private cancelled = false;
  private responseReader: ReadableStreamDefaultReader<unknown> | null = null;

  constructor(private readonly send: Send) {}

  onPart(part: HttpToWorker) {
    if (part.type === "cancelResponse") {
      this.cancelled = true;
      // A read under way is stopped at once, not after it yields.
      void this.responseReader?.cancel().catch(() => undefined);
      return;
    }
    this.onRequestPart?.(part);
  }

  /** The request as the action sees it; its body (if any) read from the engine on demand. */
  request(head: HttpRequestHead): Request {
    const body = head.hasBody
      ? new ReadableStream<Uint8Array>(
          {
            pull: (controller) =>
              new Promise<void>((resolve) => {
                this.onRequestPart = (part) => {
                  this.onRequestPart = null;
                  if (part.type === "requestChunk") controller.enqueue(new Uint8Array(part.bytes));
                  else if (part.type === "requestEnd") controller.close();
                  else if (part.type === "requestError") controller.error(new Error(part.message));
                  resolve();
                };
                this.send({ type: "pullRequest" });
              }),
            cancel: () => this.send({ type: "cancelRequest" }),
          },
          { highWaterMark: 0 },
        )
      : undefined;
    return new Request(head.url, { method: head.method, headers: head.headers, body, duplex: "half" } as RequestInit);
  }

  /**
   * The action's response: a head with no body or a stored file's range is returned (the
   * execution's result); a streamed body's head is sent, then each chunk as it is read, to its
   * end (or until cancelled, or past the 20 MiB cap), and null returned: the execution's end is the body's.
   */
  async respond(response: Response): Promise<HttpResponseHead | null> {
    const head = { status: response.status, statusText: response.statusText, headers: [...response.headers] };
    const body = response.body;
    if (!body) return { ...head, body: "none" };
    const file = fileRangeOf(body);
    if (file && file.end - file.start <= HTTP_ACTION_BODY_LIMIT) {
      void body.cancel().catch(() => undefined);
      return { ...head, body: { path: file.path, start: file.start, end: file.end } };
    }
    this.send({ type: "head", ...head, body: "stream" });
    const reader = (this.responseReader = body.getReader());
    let sent = 0;
    for (;;) {
      if (this.cancelled || sent > HTTP_ACTION_BODY_LIMIT) {
        // Given up by the client, or past the cap (the chunk that crossed it was sent: the site server refuses it).
        void reader.cancel().catch(() => undefined);
        return null;
      }
      let read: ReadableStreamReadResult<unknown>;
      try {
        read = await reader.read();
      } catch (thrown) {
        this.send({ type: "error", message: functionErrorPayload(thrown).message });
        return null;
      }
      if (read.done) return null;
      const chunk = read.value;
      if (!ArrayBuffer.isView(chunk)) {
        void reader.cancel().catch(() => undefined);
        this.send({ type: "error", message: "Uncaught TypeError: An HTTP action's response body must be a stream of Uint8Array chunks." });
        return null;
      }
      // A copy of its own, moved (not copied again) to the engine.
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice().buffer;
      sent += bytes.byteLength;
      this.send({ type: "chunk", bytes }, [bytes]);
      // The engine's messages (a cancel) are heard between chunks of a body made without waiting.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
