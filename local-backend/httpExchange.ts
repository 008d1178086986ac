/**
 * The engine's side of an HTTP action running on a pool worker (the worker's side is
 * workerHttp.ts). The site server's Request body is read a chunk at a time as the worker asks;
 * the worker's response becomes a Response here whose body holds each chunk the worker sends
 * until the site server reads it (the worker does not wait for a slow client: it is free once
 * the action has made its body, as Convex's isolate is), so siteHttp.ts serves it as any
 * Response (20 MiB cap included). A stored file's range becomes a FileBlob body the site server
 * sends from disk.
 *
 * The action's limit covers the whole exchange, streaming included: if it ends (timed out, out of
 * memory, crashed) before the head, `response` fails with its error; after, the error is logged
 * as the action's and the body fails, so the client sees a cut response, never a silently short one
 * (crates/isolate/src/environment/action/mod.rs run_http_action: a termination error after the
 * response started streaming is logged through `handle_http_streamed_part`).
 */
import { FileBlob } from "./fileBlob";
import type { HttpFromWorker, HttpResponseHead, HttpToWorker } from "./executionProtocol";

type BodyPart = Extract<HttpFromWorker, { type: "chunk" | "error" }>;

export class HttpExchange {
  readonly response: Promise<Response>;
  private resolveResponse!: (response: Response) => void;
  private rejectResponse!: (error: Error) => void;
  private headSeen = false;
  private requestReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private bodyController: ReadableStreamDefaultController<Uint8Array> | null = null;
  private bodyEnded = false;

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
      case "head":
        return this.respond(part);
      case "chunk":
      case "error":
        return this.onBodyPart(part);
      default:
        part satisfies never;
    }
  }

  private respond(head: HttpResponseHead) {
    this.headSeen = true;
    const init = { status: head.status, statusText: head.statusText, headers: head.headers };
    if (head.body === "stream") return this.resolveResponse(new Response(this.body(), init));
    this.bodyEnded = true;
    if (head.body === "none") return this.resolveResponse(new Response(null, init));
    this.resolveResponse(new Response(new FileBlob(head.body.path, head.body.start, head.body.end), init));
  }

  /**
   * The worker's execution is over, with its result (JSON: a head whose body is none or a file, or
   * null after a streamed body's last chunk) or `failure`, why it stopped: before a head,
   * `response` fails with it; during a streamed body, the body ends, or fails with it (logged).
   */
  finished(outcome: { raw: string } | { failure: Error }) {
    const head = "raw" in outcome ? (JSON.parse(outcome.raw) as HttpResponseHead | null) : null;
    if (head && !this.headSeen) return this.respond(head);
    if (!this.headSeen) {
      return this.rejectResponse("failure" in outcome ? outcome.failure : new Error("The HTTP action ended without a response."));
    }
    if (this.bodyEnded) return;
    this.bodyEnded = true;
    try {
      if ("failure" in outcome) {
        this.logError(outcome.failure.message);
        this.bodyController?.error(new Error(outcome.failure.message));
      } else this.bodyController?.close();
    } catch {
      // already closed or cancelled
    }
  }

  /** A chunk of the streamed body, held until the site server reads it; or the action's error while it streamed. */
  private onBodyPart(part: BodyPart) {
    if (this.bodyEnded || !this.bodyController) return;
    try {
      if (part.type === "chunk") return this.bodyController.enqueue(new Uint8Array(part.bytes));
      // An error while the action streamed its body: its error, logged as Convex logs it.
      this.bodyEnded = true;
      this.logError(part.message);
      this.bodyController.error(new Error(part.message));
    } catch {
      // cancelled meanwhile
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
        cancel: () => {
          this.bodyEnded = true;
          this.send({ type: "cancelResponse" });
        },
      },
      { highWaterMark: 0 },
    );
  }
}
