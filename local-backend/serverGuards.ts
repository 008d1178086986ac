/**
 * What the HTTP servers do with input that never becomes a request: bytes Node's parser
 * refuses (`clientError`) and WebSocket upgrades to a target that does not parse or route.
 * Both answer on the raw socket with a well-formed HTTP response and close it; neither throws.
 */
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

function rawResponse(socket: Duplex, status: number, body: string, contentType: string) {
  if (!socket.writable) return void socket.destroy();
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  socket.end(head + body);
}

/**
 * A CONNECT request (a proxy tunnel): Node hands it to the server's `connect` event, and with no
 * listener closed the socket without a word. Neither port is a proxy: 405, said and closed.
 */
export function answerConnect(socket: Duplex, format: "json" | "text") {
  socket.on("error", () => socket.destroy());
  const message = "CONNECT is not supported: this server is not a proxy.";
  if (format === "json") rawResponse(socket, 405, JSON.stringify({ code: "MethodNotAllowed", message }), "application/json");
  else rawResponse(socket, 405, message, "text/plain");
}

/** Parser errors: 431 for oversized headers, 408 for timeouts, else 400; JSON `{code,message}` on the cloud port. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, format: "json" | "text") {
  if (error.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const message = `Malformed HTTP request (${error.code ?? "parse error"})`;
  if (format === "json")
    rawResponse(
      socket,
      status,
      JSON.stringify({ code: status === 400 ? "BadRequest" : (STATUS_CODES[status] ?? "Error").replace(/\s/g, ""), message }),
      "application/json",
    );
  else rawResponse(socket, status, message, "text/plain");
}

/**
 * A WebSocket upgrade: `accept(pathname)` takes the socket over (true) or declines (a 404). A
 * target that does not parse is a 400; an exception while accepting is a 500, never a crash.
 */
export function answerUpgrade(req: IncomingMessage, socket: Duplex, accept: (pathname: string) => boolean) {
  socket.on("error", () => socket.destroy());
  let pathname: string;
  try {
    pathname = new URL(req.url ?? "/", "http://local").pathname;
  } catch {
    return rawResponse(socket, 400, JSON.stringify({ code: "BadRequest", message: "Malformed request target" }), "application/json");
  }
  try {
    if (!accept(pathname))
      rawResponse(socket, 404, JSON.stringify({ code: "NotFound", message: "No WebSocket endpoint here" }), "application/json");
  } catch (error) {
    rawResponse(
      socket,
      500,
      JSON.stringify({ code: "InternalServerError", message: (error as Error)?.message ?? "Upgrade failed" }),
      "application/json",
    );
  }
}
