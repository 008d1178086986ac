/**
 * The engine's side of an HTTP action running on a pool worker (the worker's side is
 * workerHttp.ts). The site server's Request body is read a chunk at a time as the worker asks;
 * the worker's response becomes a Response here whose body pulls each chunk from the worker when
 * the site server reads it, so siteHttp.ts serves it as any Response (20 MiB cap included). A
 * stored file's range becomes a FileBlob body the site server sends from disk.
 *
 * The action's limit covers the whole exchange, streaming included: if it ends (timed out, out of
 * memory, crashed) before the head, `response` fails with its error; after, the error is logged
 * as the action's and the body fails, so the client sees a cut response, never a silently short one
 * (crates/isolate/src/environment/action/mod.rs run_http_action: a termination error after the
 * response started streaming is logged through `handle_http_streamed_part`).
 */
import { FileBlob } from "./fileBlob";
import type { HttpFromWorker, HttpToWorker } from "./executionProtocol";

type BodyPart = Extract<HttpFromWorker, { type: "chunk" | "end" | "error" }>;

export class HttpExchange {
  readonly response: Promise<Response>;
  private resolveResponse!: (response: Response) => void;
  private rejectResponse!: (error: Error) => void;
  private headSeen = false;
  private requestReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private bodyController: ReadableStreamDefaultController<Uint8Array> | null = null;
  private bodyEnded = false;
  private onBodyPart: ((part: BodyPart) => void) | null = null;

  constructor(
    private readonly request: Request,
    private readonly send: (part: HttpToWorker) => void,
    private readonly logError: (text: string) => void,
  ) {
    this.response = new Promise<Response>((resolve, reject) => ((this.resolveResponse = resolve), (this.rejectResponse = reject)));
    this.response.catch(() => undefined);
  }

  onPart(part: HttpFromWorker) {
    switch (part.type) {
      case "pullRequest":
        return void this.pullRequest();
      case "cancelRequest":
        return void (this.requestReader ?? this.request.body)?.cancel().catch(() => undefined);
      case "head": {
        this.headSeen = true;
        const init = { status: part.status, statusText: part.statusText, headers: part.headers };
        if (part.body === "none") return this.resolveResponse(new Response(null, init));
        if (part.body !== "stream") {
          this.bodyEnded = true;
          return this.resolveResponse(new Response(new FileBlob(part.body.path, part.body.start, part.body.end), init));
        }
        return this.resolveResponse(new Response(this.body(), init));
      }
      case "chunk":
      case "end":
      case "error":
        return this.onBodyPart?.(part);
      default:
        part satisfies never;
    }
  }

  /** The worker's execution is over: `failure` is why it stopped, if it did not finish (`response` fails with it before the head). */
  finished(failure: Error | null) {
    if (!this.headSeen) return this.rejectResponse(failure ?? new Error("The HTTP action ended without a response."));
    if (this.bodyEnded) return;
    this.bodyEnded = true;
    const message = failure?.message ?? "The HTTP action's response body ended early.";
    this.logError(message);
    this.onBodyPart = null;
    try {
      this.bodyController?.error(new Error(message));
    } catch {
      // already closed or cancelled
    }
  }

  private async pullRequest() {
    try {
      this.requestReader ??= this.request.body!.getReader();
      const { done, value } = await this.requestReader.read();
      if (done) return this.send({ type: "requestEnd" });
      // A copy of its own (a Buffer may share its memory with others), moved to the worker.
      const bytes = new Uint8Array(value.byteLength);
      bytes.set(value);
      this.send({ type: "requestChunk", bytes: bytes.buffer });
    } catch (error) {
      this.send({ type: "requestError", message: (error as Error)?.message ?? String(error) });
    }
  }

  private body(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.bodyController = controller),
        pull: (controller) =>
          new Promise<void>((resolve) => {
            if (this.bodyEnded) return resolve();
            this.onBodyPart = (part) => {
              this.onBodyPart = null;
              if (part.type === "chunk") controller.enqueue(new Uint8Array(part.bytes));
              else {
                this.bodyEnded = true;
                if (part.type === "end") controller.close();
                else {
                  // An error while the action streamed its body: its error, logged as Convex logs it.
                  this.logError(part.message);
                  controller.error(new Error(part.message));
                }
              }
              resolve();
            };
            this.send({ type: "pullResponse" });
          }),
        cancel: () => {
          this.bodyEnded = true;
          this.send({ type: "cancelResponse" });
        },
      },
      { highWaterMark: 0 },
    );
  }
}
