/** The "site" port: HTTP actions from convex/http.ts, with streamed request and response bodies. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { fileRangeOf } from "./fileBlob";
import { sendFileRange } from "./fileSender";
import type { AuthVerifier } from "./auth";
import { toFunctionError, type Engine, type Identity } from "./engine";
import type { HttpRouterLike } from "./loader";

type HttpHandler = { invokeHttpAction(request: Request): Promise<Response> };

export function createSiteHandler(engine: Engine, auth: AuthVerifier, router: () => HttpRouterLike | null, origin: () => string) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", origin());
    const found = router()?.lookup(url.pathname, req.method ?? "GET");
    if (!found) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      return res.end("No matching routes found");
    }
    const handler = found[0] as HttpHandler;
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (Array.isArray(v)) v.forEach((item) => headers.append(k, item));
      else if (v !== undefined) headers.set(k, v);
    }
    // Like a deployment's edge: the socket address, never what the client claims.
    headers.set("x-forwarded-for", (req.socket.remoteAddress ?? "").replace(/^::ffff:/, ""));
    headers.delete("x-real-ip");
    const request = new Request(url, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      duplex: "half",
    } as RequestInit);
    // HTTP actions see the identity of a valid `Authorization: Bearer <JWT>`, as on Convex.
    let identity: Identity = null;
    const bearer = req.headers.authorization?.startsWith("Bearer ") ? req.headers.authorization.slice(7) : null;
    if (bearer) identity = await auth.verify(bearer).catch(() => null);
    const exec = {
      type: "http" as const,
      componentPath: "",
      udfPath: `${req.method} ${url.pathname}`,
      identity,
      logLines: [],
      reads: new Set<string>(),
      writes: new Set<string>(),
      filesToDelete: [],
      streams: new Map(),
      inTransaction: false,
      requestId: `http-${Date.now()}`,
    };
    let response: Response;
    try {
      response = await engine.als.run(exec, () => handler.invokeHttpAction(request));
    } catch (thrown) {
      const error = toFunctionError(thrown);
      res.writeHead(500, { "Content-Type": "text/plain" });
      return res.end(error.message);
    }
    const outHeaders: Record<string, string | string[]> = {};
    response.headers.forEach((value, key) => {
      if (key === "set-cookie") outHeaders[key] = response.headers.getSetCookie();
      else outHeaders[key] = value;
    });
    res.writeHead(response.status, outHeaders);
    if (!response.body || req.method === "HEAD") return res.end();
    const file = fileRangeOf(response.body);
    if (file) {
      // A stored file's bytes: straight from disk, only the range asked for.
      void response.body.cancel().catch(() => undefined);
      return void sendFileRange(res, file.path, file.start, file.end);
    }
    const body = Readable.fromWeb(response.body as never);
    body.on("error", () => res.destroy());
    res.on("close", () => body.destroy());
    body.pipe(res);
  };
}
