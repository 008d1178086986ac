/** The "site" port: HTTP actions from convex/http.ts, with streamed request and response bodies. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { pipeline, Readable, Transform } from "node:stream";
import { fileRangeOf } from "./fileBlob";
import { TransactionUsage } from "./convexLimits";
import { makeInert, sendFileRange } from "./fileSender";
import {
  countingLimit,
  drainUnreadBody,
  HTTP_ACTION_BODY_LIMIT,
  httpActionTooLarge,
  HttpError,
  onAbort,
  refuseDeclaredOver,
  requestUrl,
} from "./httpInput";
import type { AuthVerifier } from "./auth";
import { identityOf } from "./authHeader";
import { emitLogLine, type Engine } from "./engine";
import type { Component, Exec, Identity } from "./exec";
import { toFunctionError } from "./functionError";
import { NO_HTTP_ACTIONS, routeHttp, type RoutableComponent, type RouterLike } from "./httpRouting";
import { TooManyConcurrentRequests } from "./actionPermits";
import { ReadSet, WriteSet } from "./readSet";
import { AddressSlots, prefetchBody, STREAMING_BODIES_PER_ADDRESS, streamingBodiesInAll } from "./bodyPrefetch";
import { actionPoolSize } from "./executionPool";

type HttpHandler = { invokeHttpAction(request: Request): Promise<Response> };

/** Actions running while their bodies still stream in, per client address (bodyPrefetch.ts). */
const streamingBodies = new AddressSlots(STREAMING_BODIES_PER_ADDRESS, streamingBodiesInAll(actionPoolSize()));

export function createSiteHandler(engine: Engine, auth: AuthVerifier, app: () => Component | null, origin: () => string) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      await serve(engine, auth, app, origin, req, res);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      const status = error instanceof HttpError ? error.status : 500;
      drainUnreadBody(req);
      res.writeHead(status, { "Content-Type": "text/plain" });
      res.end((error as Error)?.message ?? "Internal error");
    }
  };
}

async function serve(
  engine: Engine,
  auth: AuthVerifier,
  app: () => Component | null,
  origin: () => string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const url = requestUrl(req, origin());
  const root = app();
  const route = root ? routeHttp(routable(root), url.pathname, req.method ?? "GET") : ({ kind: "noHttpActions" } as const);
  // Convex's two 404s: no HTTP actions on the way (http_routing.rs), or none of the router's routes
  // matches (crates/isolate/src/environment/action/mod.rs "No matching routes found").
  const found = route.kind === "routed" ? route.component.router?.lookup(route.routedPath, req.method ?? "GET") : null;
  if (route.kind !== "routed" || !found) {
    drainUnreadBody(req);
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    return res.end(route.kind === "routed" ? "No matching routes found" : NO_HTTP_ACTIONS);
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
  // The body is bounded before the action sees it: refused at once if declared too large, cut off
  // (and answered 413, whatever the action made of it) as soon as it streams past the limit.
  let overflowed = false;
  let body: ReadableStream | undefined;
  if (hasBody) {
    refuseDeclaredOver(req, HTTP_ACTION_BODY_LIMIT, httpActionTooLarge);
    const counted = req.pipe(
      countingLimit(HTTP_ACTION_BODY_LIMIT, () => {
        overflowed = true;
        // A response already under way (an action streaming its answer) cannot become a 413: it is cut.
        if (res.headersSent) res.destroy();
        return httpActionTooLarge();
      }),
    );
    onAbort(req, () => counted.destroy(new Error("The request body ended early")));
    // Its start (or all of it) is here before the request waits for an action permit (bodyPrefetch.ts).
    // A body that then stalls is cut: the action reading it fails, and the connection is closed.
    const prefetched = await prefetchBody(counted, undefined, { onStall: () => req.destroy() }).catch((error: unknown) => {
      throw overflowed
        ? httpActionTooLarge()
        : error instanceof HttpError
          ? error
          : new HttpError(400, "BadRequest", (error as Error).message);
    });
    if (!prefetched.whole) {
      // The rest streams in while the action runs: one of the address's slots until the body is done.
      const release = await streamingBodies.acquire(req.socket.remoteAddress ?? "");
      counted.once("end", release);
      counted.once("close", release);
      req.once("close", release);
      if (req.destroyed) release();
    }
    body = Readable.toWeb(prefetched.stream) as ReadableStream;
  }
  let request: Request;
  try {
    request = new Request(url, { method: req.method, headers, body, duplex: "half" } as RequestInit);
  } catch (error) {
    // e.g. CONNECT and TRACE, which the Fetch API refuses.
    throw new HttpError(400, "BadRequest", `Unsupported request: ${(error as Error).message}`);
  }
  // HTTP actions see the identity of a valid `Authorization: Bearer <JWT>`, as on Convex; with a
  // token that is refused they still run, and getUserIdentity throws the refusal
  // (crates/local_backend/src/http_actions.rs: identity_result.unwrap_or_else(Identity::Unknown)).
  // Any Authorization header but a token or an admin key is such a refusal too (authHeader.ts, as
  // ExtractAuthenticationToken reads it: "a" is an invalid header, "Basic …" an invalid admin key).
  let identity: Identity = null;
  let identityError: string | undefined;
  const header = req.headers.authorization;
  if (header !== undefined && header.slice(0, 7).toLowerCase() !== "convex ")
    identity = await identityOf(auth, header).catch((error: Error) => {
      identityError = error.message;
      return null;
    });
  const exec = {
    identityError,
    type: "http" as const,
    componentPath: route.componentPath,
    udfPath: `${req.method} ${url.pathname}`,
    identity,
    logLines: [],
    reads: new ReadSet(),
    writes: new WriteSet(),
    filesToDelete: [],
    streams: new Map(),
    inTransaction: false,
    // 16 hex digits, as Convex's RequestId.
    requestId: randomBytes(8).toString("hex"),
    usage: new TransactionUsage(),
    depth: 0,
  };
  let response: Response;
  try {
    response = await engine.runHttpAction(exec, request, handler, route.routedPath);
  } catch (thrown) {
    if (overflowed) throw httpActionTooLarge();
    if (thrown instanceof TooManyConcurrentRequests) {
      // No action permit freed in time: Convex's HttpResponseError for a rate-limited error
      // (crates/common/src/http/mod.rs ResponseErrorMessage), 429 with JSON { code, message }; the body is not read.
      drainUnreadBody(req);
      res.writeHead(thrown.status, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ code: thrown.code, message: thrown.message }));
    }
    // A throwing action is answered as Convex answers it (crates/application/src/redaction.rs
    // RedactedJsError::to_http_response_parts): 500, JSON { code, trace, data? }.
    const error = toFunctionError(thrown);
    const body = {
      code: `[Request ID: ${exec.requestId}] Server Error: ${error.message}`,
      trace: `${error.message}\n${error.frames}`,
      ...(error.data === undefined ? {} : { data: error.data }),
    };
    res.writeHead(500, { "Content-Type": "application/json" });
    return res.end(JSON.stringify(body));
  }
  try {
    sendResponse(engine, exec, req, res, response, hasBody, () => overflowed);
  } catch (error) {
    // A body never sent is given up, so the action streaming it (on its worker) ends now.
    void response.body?.cancel().catch(() => undefined);
    throw error;
  }
}

/** The action's response to the client: a stored file's range from disk, any other body streamed within Convex's 20 MiB. */
function sendResponse(
  engine: Engine,
  exec: Exec,
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  hasBody: boolean,
  overflowed: () => boolean,
) {
  if (overflowed()) throw httpActionTooLarge();
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key === "set-cookie") outHeaders[key] = response.headers.getSetCookie();
    else outHeaders[key] = value;
  });
  // An action that answered without reading the whole request body (say, a 400 for a body too
  // large): once the answer is out, the rest is read and dropped, so the client sees the answer
  // and the connection can carry another request. (Not before: a streaming action may still be reading.)
  if (hasBody) res.once("finish", () => drainUnreadBody(req));
  const file = fileRangeOf(response.body);
  // A stored file's bytes are never active content, whatever type the action gives them.
  if (file) makeInert(outHeaders);
  res.writeHead(response.status, outHeaders);
  if (!response.body || req.method === "HEAD") {
    void response.body?.cancel().catch(() => undefined);
    return void res.end();
  }
  if (file && file.end - file.start <= HTTP_ACTION_BODY_LIMIT) {
    // A stored file's bytes: straight from disk, only the range asked for.
    void response.body.cancel().catch(() => undefined);
    return void sendFileRange(res, file.path, file.start, file.end);
  }
  // The head goes out at once, as Convex sends it before the body (an action may take its time over the body).
  res.flushHeaders();
  // One pipeline: a body that fails or crosses the cap cuts the connection, and a client that goes
  // away cancels the body (so the action streaming it on its worker stops at once).
  pipeline(Readable.fromWeb(response.body as never), responseLimit(engine, exec), res, () => undefined);
}

/**
 * HTTP action response bodies, streamed or not, are capped at HTTP_ACTION_BODY_LIMIT (20 MiB) as on
 * Convex: crates/isolate/src/environment/action/mod.rs `handle_http_streamed_part` stops sending
 * the body at the chunk that would cross the limit and logs "HttpResponseTooLarge: HTTP actions
 * support responses up to 20 MiB" as an error of the action. Here the bytes that fit are sent,
 * the same line is logged, and the connection is then cut, so the client sees a failed response
 * rather than a silently short one.
 */
function responseLimit(engine: Engine, exec: Exec): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (sent + chunk.length <= HTTP_ACTION_BODY_LIMIT) {
        sent += chunk.length;
        return callback(null, chunk);
      }
      emitLogLine(engine, exec, "ERROR", httpResponseTooLarge);
      callback(new Error(httpResponseTooLarge));
    },
  });
}
const httpResponseTooLarge = `HttpResponseTooLarge: HTTP actions support responses up to ${HTTP_ACTION_BODY_LIMIT >> 20} MiB`;

/** A component and its mounted children as the router walks them (built once per loaded component). */
function routable(component: Component): RoutableComponent {
  const known = routables.get(component);
  if (known) return known;
  const mounts = new Map<string, { name: string; component: RoutableComponent }>();
  for (const [mountPath, name] of component.httpMounts ?? []) {
    const child = component.children.get(name);
    if (child) mounts.set(mountPath, { name, component: routable(child) });
  }
  const made: RoutableComponent = {
    router: (component.modules.get("http")?.default as RouterLike | undefined) ?? null,
    ...(component.httpPrefix === undefined ? {} : { httpPrefix: component.httpPrefix }),
    mounts,
  };
  routables.set(component, made);
  return made;
}
const routables = new WeakMap<Component, RoutableComponent>();
