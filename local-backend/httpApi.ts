/**
 * The deployment's HTTP surface on the "cloud" port: the function API used by
 * `ConvexHttpClient`, file upload and download for storage URLs. The WebSocket sync
 * endpoint shares this port.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { toFunctionError, type Engine, type Identity, type UdfType } from "./engine";
import type { AuthVerifier } from "./auth";
import type { BlobStore } from "./blobs";
import { checkUploadToken } from "./syscalls";
import { sendFileRange } from "./fileSender";
import { decideRange, etagOf, matchesEtag } from "../convex/lib/ranges";
import type { Doc } from "./database";

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, Authorization, Convex-Client, Range, If-None-Match, If-Range",
  "Access-Control-Expose-Headers": "Content-Range, Content-Length, ETag, Accept-Ranges",
};

type Deps = { engine: Engine; auth: AuthVerifier; blobs: BlobStore; secret: () => string };

export function createApiHandler(deps: Deps) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://local");
    try {
      if (req.method === "OPTIONS") return send(res, 204, CORS);
      if (url.pathname === "/api/storage/upload" && req.method === "POST") return await upload(deps, req, res, url);
      const file = /^\/api\/storage\/([0-9a-z]+)$/.exec(url.pathname);
      if (file && (req.method === "GET" || req.method === "HEAD")) return serveFile(deps, req, res, file[1]);
      const fn = /^\/api\/(query|mutation|action|function)$/.exec(url.pathname);
      if (fn && req.method === "POST") return await callFunction(deps, req, res, fn[1]);
      if (url.pathname === "/version" || url.pathname === "/instance_name") return json(res, 200, "local");
      return json(res, 404, { code: "NotFound", message: `No route for ${req.method} ${url.pathname}` });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      return json(res, status, { code: status === 413 ? "TooLarge" : "InternalServerError", message: (error as Error).message });
    }
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: string) {
  res.writeHead(status, headers);
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown) {
  send(res, status, { ...CORS, "Content-Type": "application/json" }, JSON.stringify(value));
}

async function readJson(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<any> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error("Request body too large"), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw Object.assign(new Error("Malformed JSON body"), { status: 400 });
  }
}

async function identityOf(deps: Deps, req: IncomingMessage): Promise<Identity> {
  const header = req.headers.authorization;
  if (!header?.startsWith("Bearer ")) return null;
  return await deps.auth.verify(header.slice(7));
}

async function callFunction(deps: Deps, req: IncomingMessage, res: ServerResponse, kind: string) {
  const body = await readJson(req);
  let identity: Identity;
  try {
    identity = await identityOf(deps, req);
  } catch (error) {
    return json(res, 401, { code: "Unauthenticated", message: (error as Error).message });
  }
  const udfPath = String(body.path ?? "");
  const rawArgs = Array.isArray(body.args) ? body.args[0] : body.args;
  const args = (jsonToConvex((rawArgs ?? {}) as JSONValue) ?? {}) as Record<string, Value>;
  let type: UdfType;
  if (kind === "function") {
    const fn = deps.engine.resolve(body.componentPath ?? "", udfPath);
    type = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
  } else {
    type = kind as UdfType;
  }
  try {
    const { value, exec } = await deps.engine.run(type, body.componentPath ?? "", udfPath, args, identity, { fromClient: true });
    return json(res, 200, { status: "success", value: convexToJson(value as Value), logLines: exec.logLines });
  } catch (thrown) {
    const error = toFunctionError(thrown);
    return json(res, 560, { status: "error", errorMessage: error.message, errorData: error.data, logLines: [] });
  }
}

async function upload(deps: Deps, req: IncomingMessage, res: ServerResponse, url: URL) {
  if (!checkUploadToken(deps.secret(), url.searchParams.get("token") ?? "")) {
    return json(res, 401, { code: "InvalidUploadToken", message: "The upload URL is invalid or has expired." });
  }
  const received = await deps.blobs.receive(req);
  const contentType = req.headers["content-type"];
  const tableKey = ":_storage";
  const store = deps.engine.store;
  const storageId = store.newId(tableKey);
  await deps.blobs.adopt(received.temp, storageId);
  const exec = { type: "mutation" } as never;
  await deps.engine.write(exec, (inner) => {
    const doc = { _id: storageId, _creationTime: store.nextCreationTime(), sha256: received.sha256, size: received.size } as Doc;
    if (contentType) doc.contentType = contentType;
    store.write(tableKey, doc, null);
    inner.writes.add(tableKey);
  });
  return json(res, 200, { storageId });
}

/** Streams a stored file with Range, ETag and If-None-Match; reads only the bytes it sends. */
export function serveFile(deps: Pick<Deps, "engine" | "blobs">, req: IncomingMessage, res: ServerResponse, storageId: string, extraHeaders: Record<string, string> = {}) {
  const tableKey = deps.engine.store.tableOfId(storageId);
  const doc = tableKey === ":_storage" ? (deps.engine.store.get(storageId) as (Doc & { sha256: string; size: number; contentType?: string }) | null) : null;
  if (!doc) return json(res, 404, { code: "FileNotFound", message: "File not found." });
  const etag = etagOf(doc.sha256);
  const headers: Record<string, string | number> = {
    ...CORS,
    "Content-Type": doc.contentType ?? "application/octet-stream",
    "Accept-Ranges": "bytes",
    ETag: etag,
    "Cache-Control": "private, max-age=3600",
    ...extraHeaders,
  };
  if (matchesEtag(req.headers["if-none-match"], etag)) return send(res, 304, headers);
  const ifRange = req.headers["if-range"];
  const rangeHeader = ifRange && ifRange !== etag ? undefined : req.headers.range;
  const range = decideRange(rangeHeader, doc.size);
  if (range.kind === "unsatisfiable") return send(res, 416, { ...headers, "Content-Range": `bytes */${doc.size}` });
  const [status, start, end] = range.kind === "partial" ? [206, range.start, range.end] : [200, 0, doc.size - 1];
  if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${doc.size}`;
  headers["Content-Length"] = doc.size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === "HEAD" || doc.size === 0) return res.end();
  void sendFileRange(res, deps.blobs.pathOf(storageId), start, end + 1);
}
