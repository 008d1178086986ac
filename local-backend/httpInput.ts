/**
 * HTTP requests as hostile input: the request target parsed inside a try, bodies bounded
 * before they are read (Content-Length first, then counted while streaming), and errors that
 * carry their status and code.
 */
import type { IncomingMessage } from "node:http";
import { Transform, type Readable } from "node:stream";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Largest request to the function API: Convex's MAX_BACKEND_PUBLIC_API_REQUEST_SIZE
 * (convex-backend crates/common/src/knobs.rs: `(1 << 24) + 2000`, 16 MiB of arguments plus the envelope).
 */
export const PUBLIC_API_REQUEST_LIMIT = (1 << 24) + 2000;

/**
 * Largest HTTP action request body: Convex's HTTP_ACTION_BODY_LIMIT (`20 << 20`, 20 MiB), which
 * lives in convex-backend crates/udf/src/http_action.rs (not knobs.rs) and is applied to every
 * HTTP action route as `DefaultBodyLimit::max(HTTP_ACTION_BODY_LIMIT)` in crates/local_backend/src/router.rs.
 */
export const HTTP_ACTION_BODY_LIMIT = 20 << 20;

const MiB = (bytes: number) => `${Math.floor(bytes / (1 << 20))} MiB`;
/** Convex's wording for an HTTP action response over the limit is "HttpResponseTooLarge: HTTP actions support responses up to 20 MiB"; requests say the same. */
export const httpActionTooLarge = () =>
  new HttpError(413, "HttpRequestTooLarge", `HttpRequestTooLarge: HTTP actions support requests up to ${MiB(HTTP_ACTION_BODY_LIMIT)}`);

/** The request target as a URL; a target `new URL` cannot parse (`GET http://[ HTTP/1.1`) is a 400. */
export function requestUrl(req: IncomingMessage, base: string): URL {
  try {
    return new URL(req.url ?? "/", base);
  } catch {
    throw new HttpError(400, "BadRequest", "Malformed request target");
  }
}

/** The declared body size, null if none; a malformed Content-Length is a 400. */
export function declaredLength(req: IncomingMessage): number | null {
  const header = req.headers["content-length"];
  if (header === undefined) return null;
  if (!/^\d{1,16}$/.test(header)) throw new HttpError(400, "BadRequest", "Malformed Content-Length header");
  return Number(header);
}

/** Refuses a body declared larger than `limit` before any of it is read. */
export function refuseDeclaredOver(req: IncomingMessage, limit: number, tooLarge: () => HttpError) {
  const declared = declaredLength(req);
  if (declared !== null && declared > limit) throw tooLarge();
}

/** Reads a whole body of at most `limit` bytes; stops reading (413) as soon as it passes the limit. */
export async function readBody(req: IncomingMessage, limit: number, tooLarge: () => HttpError): Promise<Buffer> {
  refuseDeclaredOver(req, limit, tooLarge);
  const chunks: Buffer[] = [];
  const counted = req.pipe(countingLimit(limit, tooLarge));
  onAbort(req, () => counted.destroy(new HttpError(400, "BadRequest", "The request body ended early")));
  for await (const chunk of counted) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A JSON body of at most `limit` bytes. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const tooLarge = () => new HttpError(413, "TooLarge", `Request body too large (limit ${MiB(limit)})`);
  const body = await readBody(req, limit, tooLarge);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "BadJsonBody", "Malformed JSON body");
  }
}

/**
 * A pass-through that fails with `tooLarge()` once more than `limit` bytes went through. Piped
 * from a request (`req.pipe(...)`), a failure unpipes it and leaves it paused: nothing more is
 * read, and the connection can still carry the 413.
 */
export function countingLimit(limit: number, tooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(tooLarge());
      else callback(null, chunk);
    },
  });
}

/** A client that stops sending mid-body: the source closes without ending. */
export function onAbort(source: Readable, abort: () => void) {
  let ended = false;
  source.once("end", () => (ended = true));
  source.once("close", () => ended || abort());
  source.once("error", abort);
}

/** How long, and how much, a refused request's remaining body is read and thrown away. */
const DRAIN_MS = 5_000;
const DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * After answering without reading the whole body (a 413, or an action that ignored it): keep
 * reading and discarding what the client still sends, so a client that writes its whole body
 * before reading the answer gets the answer instead of a connection reset, and the connection
 * can carry its next request. A client that keeps sending past a few seconds or 64 MiB is cut off.
 */
export function drainUnreadBody(req: IncomingMessage) {
  if (req.complete) return;
  let seen = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, DRAIN_MS);
  timer.unref();
  req.unpipe();
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_BYTES) cut();
  });
  req.once("end", () => clearTimeout(timer));
  req.once("close", () => clearTimeout(timer));
  req.resume();
}
