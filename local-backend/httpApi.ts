/**
 * The deployment's HTTP surface on the "cloud" port: the function API used by
 * `ConvexHttpClient`, file upload and download for storage URLs. The WebSocket sync
 * endpoint shares this port.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { convexToJson, type Value } from "convex/values";
import type { Engine } from "./engine";
import type { Identity, UdfType } from "./exec";
import { clientMessage, toFunctionError } from "./functionError";
import { SystemError } from "./systemErrors";
import { AuthError, type AuthVerifier } from "./auth";
import { identityOf } from "./authHeader";
import type { BlobStore } from "./blobs";
import { ClientInputError, decodeArgs, parseFunctionRequest } from "./clientInput";
import { INERT_FILE_HEADERS, sendFileRange } from "./fileSender";
import { drainUnreadBody, HttpError, PUBLIC_API_REQUEST_LIMIT, readJson, refuseDeclaredOver, requestUrl } from "./httpInput";
import { expectedSha256, maxUploadBytes, sha256MismatchError, uploadTimedOut, uploadTimeoutMs, type UploadTokens } from "./uploads";
import { etagFor, ifNoneMatch, rangeOf } from "./ranges";
import type { Doc } from "./database";
import { AdminKeyError } from "./adminAuth";
import { handleAdminRequest, type AdminDeps } from "./adminApi";
import { isSystemPath, runSystemFunction, type SystemDeps } from "./systemFunctions";
import { handlePushRequest, type PushApiDeps } from "./pushApi";

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, Authorization, Convex-Client, Digest, Range, If-None-Match, If-Range",
  "Access-Control-Expose-Headers": "Content-Range, Content-Length, ETag, Accept-Ranges",
};

type Deps = {
  engine: Engine;
  auth: AuthVerifier;
  blobs: BlobStore;
  uploads: UploadTokens;
  /** Admin key, admin endpoints and system functions (adminApi.ts); without it, admin auth is refused. */
  admin?: AdminDeps & { system: SystemDeps };
  /** `npx convex dev` / `deploy` pushes (pushApi.ts); without it, the push endpoints are 404. */
  push?: PushApiDeps;
};

export function createApiHandler(deps: Deps) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = requestUrl(req, "http://local");
      if (req.method === "OPTIONS") return send(res, 204, CORS);
      if (deps.admin && (await handleAdminRequest(deps.admin, req, res, url))) return;
      if (deps.push && (await handlePushRequest(deps.push, req, res, url))) return;
      if (url.pathname === "/api/storage/upload" && req.method === "POST") return await upload(deps, req, res, url);
      const file = /^\/api\/storage\/([^/]*)$/.exec(url.pathname);
      if (file && (req.method === "GET" || req.method === "HEAD")) {
        if (!/^[0-9a-z]{1,64}$/.test(file[1]))
          throw new HttpError(
            400,
            "InvalidStoragePath",
            `Invalid storage path: "${file[1].slice(0, 100)}". Please use \`storage.getUrl(storageId: Id<"_storage">)\` to generate a valid URL to retrieve files.`,
          );
        return serveFile(deps, req, res, file[1]);
      }
      const fn = /^\/api\/(query|mutation|action|function)$/.exec(url.pathname);
      if (fn && req.method === "POST") return await callFunction(deps, req, res, fn[1] as UdfType | "function");
      if (url.pathname === "/version" || url.pathname === "/instance_name") return json(res, 200, "local");
      return json(res, 404, { code: "NotFound", message: `No route for ${String(req.method)} ${url.pathname.slice(0, 200)}` });
    } catch (error) {
      answerError(req, res, error);
    }
  };
}

/** Client mistakes as their 4xx with a code; anything else is a 500 that the process survives. */
function answerError(req: IncomingMessage, res: ServerResponse, error: unknown) {
  if (res.headersSent) return void res.destroy();
  if (error instanceof HttpError) {
    // A body refused mid-way: the rest is read and dropped so the client sees this answer.
    drainUnreadBody(req);
    return json(res, error.status, { code: error.code, message: error.message });
  }
  if (error instanceof ClientInputError) return json(res, 400, { code: "BadRequest", message: error.message });
  return json(res, 500, { code: "InternalServerError", message: (error as Error)?.message ?? String(error) });
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: string) {
  res.writeHead(status, headers);
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown) {
  send(res, status, { ...CORS, "Content-Type": "application/json" }, JSON.stringify(value));
}

/** The caller of a function request: an admin (`Convex <admin key>`, maybe acting as a user) or a client (`Bearer <JWT>` or none). */
async function callerOf(deps: Deps, req: IncomingMessage): Promise<{ admin: boolean; identity: Identity }> {
  const header = req.headers.authorization;
  if (header?.startsWith("Convex ")) {
    if (!deps.admin) throw new AdminKeyError();
    return deps.admin.admin.fromHeader(header)!;
  }
  return { admin: false, identity: await identityOf(deps.auth, header) };
}

async function callFunction(deps: Deps, req: IncomingMessage, res: ServerResponse, kind: UdfType | "function") {
  const body = parseFunctionRequest(await readJson(req, PUBLIC_API_REQUEST_LIMIT));
  const args = decodeArgs(body.args);
  let caller: { admin: boolean; identity: Identity };
  try {
    caller = await callerOf(deps, req);
  } catch (error) {
    if (error instanceof AdminKeyError || error instanceof AuthError) return json(res, 401, { code: error.code, message: error.message });
    throw error;
  }
  // Only an admin may name a component, an internal function or a system function (as on Convex).
  const componentPath = body.componentPath ?? "";
  try {
    if (caller.admin && deps.admin && isSystemPath(body.path)) {
      const value = await runSystemFunction(deps.admin.system, componentPath, body.path, args);
      return json(res, 200, { status: "success", value: convexToJson(value), logLines: [] });
    }
    const fn = caller.admin ? deps.engine.resolve(componentPath, body.path) : deps.engine.resolveForClient(componentPath, body.path);
    const type: UdfType = kind !== "function" ? kind : fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
    const { value, exec } = await deps.engine.run(type, componentPath, body.path, args, caller.identity, { fromClient: !caller.admin });
    return json(res, 200, { status: "success", value: convexToJson(value as Value), logLines: exec.logLines });
  } catch (thrown) {
    // Not the function's failure: Convex's 503 with the error's code (errors/src/lib.rs http_status_code).
    if (thrown instanceof SystemError) return json(res, thrown.status, { code: thrown.code, message: thrown.message });
    const error = toFunctionError(thrown);
    return json(res, 560, { status: "error", errorMessage: clientMessage(error), errorData: error.data, logLines: error.logLines ?? [] });
  }
}

async function upload(deps: Deps, req: IncomingMessage, res: ServerResponse, url: URL) {
  const token = deps.uploads.check(url.searchParams.get("token") ?? "");
  // Convex's codes and messages (crates/keybroker/src/broker.rs check_store_file_authorization).
  if (!token.ok)
    throw token.expired
      ? new HttpError(401, "StorageTokenExpired", "Store File Authorization expired")
      : new HttpError(401, "StorageTokenInvalid", "Couldn't decode the StoreFileAuthorization token");
  const maxBytes = maxUploadBytes();
  const tooLarge = () => new HttpError(413, "TooLarge", `The file is larger than the upload limit of ${maxBytes} bytes.`);
  refuseDeclaredOver(req, maxBytes, tooLarge);
  // A malformed Digest is refused before anything is read, as Convex's header extractors do.
  const expected = expectedSha256(req.headers.digest);
  // One upload per URL: spent before the first byte is read, so two concurrent uses cannot both pass.
  const fresh = await deps.engine.serial(async () => deps.uploads.spend(token));
  if (!fresh) throw new HttpError(401, "InvalidUploadToken", "The upload URL was already used; generate a new one for each upload.");
  let received;
  try {
    const ms = uploadTimeoutMs();
    received = await deps.blobs.receive(req, maxBytes, { ms, error: () => uploadTimedOut(ms) });
  } catch (error) {
    throw (error as HttpError).status === 413 ? tooLarge() : error;
  }
  if (expected !== null && expected !== received.sha256) {
    await deps.blobs.discard(received.temp);
    throw sha256MismatchError(expected, received.sha256);
  }
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
export function serveFile(
  deps: Pick<Deps, "engine" | "blobs">,
  req: IncomingMessage,
  res: ServerResponse,
  storageId: string,
  extraHeaders: Record<string, string> = {},
) {
  const tableKey = deps.engine.store.tableOfId(storageId);
  const doc =
    tableKey === ":_storage"
      ? (deps.engine.store.get(storageId) as (Doc & { sha256: string; size: number; contentType?: string }) | null)
      : null;
  if (!doc) return json(res, 404, { code: "FileNotFound", message: "File not found." });
  const etag = etagFor(doc.sha256);
  const headers: Record<string, string | number> = {
    ...CORS,
    "Content-Type": doc.contentType ?? "application/octet-stream",
    "Accept-Ranges": "bytes",
    ETag: etag,
    "Cache-Control": "private, max-age=3600",
    ...extraHeaders,
    ...INERT_FILE_HEADERS,
  };
  if (ifNoneMatch(req.headers["if-none-match"], etag)) return send(res, 304, headers);
  const ifRange = req.headers["if-range"];
  const rangeHeader = ifRange && ifRange !== etag ? undefined : req.headers.range;
  const range = rangeOf(rangeHeader, doc.size);
  if (range.kind === "unsatisfiable") return send(res, 416, { ...headers, "Content-Range": `bytes */${doc.size}` });
  const [status, start, end] = range.kind === "partial" ? [206, range.start, range.end] : [200, 0, doc.size - 1];
  if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${doc.size}`;
  headers["Content-Length"] = doc.size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === "HEAD" || doc.size === 0) return res.end();
  void sendFileRange(res, deps.blobs.pathOf(storageId), start, end + 1);
}
