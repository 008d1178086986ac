/** Raw-wire helpers for tests that speak to the backend as an attacker would: bytes on a TCP socket, frames on a WebSocket. */
import { connect } from "node:net";
import WebSocket from "ws";

/** Writes `bytes` to host:port and collects what comes back until the server closes or `timeoutMs` passes. */
export function rawExchange(url: string, bytes: string | Buffer, timeoutMs = 2000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let out = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", (d) => (out += d.toString("latin1")));
    socket.on("error", done);
    socket.on("close", done);
    socket.write(bytes);
  });
}

/** Status code of a raw HTTP response, or null if none came back. */
export const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? NaN) || null;
/** Body of a raw HTTP response (after the blank line), de-chunked. */
export function bodyOf(response: string): string {
  const split = response.indexOf("\r\n\r\n");
  const [head, body] = [response.slice(0, split), response.slice(split + 4)];
  if (!/^transfer-encoding:\s*chunked/im.test(head)) return body;
  let out = "";
  for (let at = 0; at < body.length;) {
    const eol = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!size) break;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

export type WsReply = { messages: Array<Record<string, unknown>>; closeCode: number | null };

/**
 * Opens the sync socket, sends `frames` (strings as text, Buffers as binary), and collects the
 * server's messages until it closes the socket or `waitMs` passes after the last frame.
 */
export function wsExchange(cloudUrl: string, frames: Array<string | Buffer>, waitMs = 300): Promise<WsReply> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${cloudUrl.replace(/^http/, "ws")}/api/1.0/sync`);
    const messages: Array<Record<string, unknown>> = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (closeCode: number | null) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on("error", () => undefined);
      ws.terminate();
      resolve({ messages, closeCode });
    };
    ws.on("message", (data) => {
      try {
        messages.push(JSON.parse(String(data)) as Record<string, unknown>);
      } catch {
        messages.push({ unparsable: String(data) });
      }
    });
    ws.on("close", (code) => finish(code));
    ws.on("error", () => finish(null));
    ws.on("open", () => {
      for (const frame of frames) ws.send(frame, { binary: Buffer.isBuffer(frame) });
      timer = setTimeout(() => finish(null), waitMs);
    });
  });
}

export const connectFrame = (sessionId = "00000000-0000-4000-8000-000000000000") =>
  JSON.stringify({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: null, clientTs: Date.now() });
