/**
 * The admin endpoints of a self-hosted Convex deployment that the `convex` CLI calls
 * (crates/local_backend/src/router.rs), answered only with `Authorization: Convex <admin key>`
 * (401 otherwise): environment variables, function logs, snapshot export and import.
 * Function calls with admin auth go through the ordinary /api/query… routes (httpApi.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { v, type Infer } from "convex/values";
import { validate } from "convex-helpers/validators";
import { AdminKeyError, type AdminAuth } from "./adminAuth";
import { EnvVarError, type DeploymentEnv } from "./deploymentEnv";
import type { FunctionLogs } from "./functionLogs";
import { HttpError, readJson } from "./httpInput";
import type { SnapshotJobs } from "./snapshotJobs";

export type AdminDeps = { admin: AdminAuth; env: DeploymentEnv; logs: FunctionLogs; jobs: SnapshotJobs };

const ADMIN_BODY_LIMIT = 1 << 20;
const envChanges = v.object({ changes: v.array(v.object({ name: v.string(), value: v.optional(v.union(v.string(), v.null())) })) });
const finishUpload = v.object({
  uploadToken: v.string(),
  partTokens: v.array(v.string()),
  import: v.object({
    tableName: v.optional(v.union(v.string(), v.null())),
    componentPath: v.optional(v.union(v.string(), v.null())),
    mode: v.optional(v.string()),
    format: v.optional(v.string()),
  }),
});
const performImport = v.object({ importId: v.string() });

function parsed<T>(validator: Parameters<typeof validate>[0], value: unknown): T {
  try {
    validate(validator, value, { throw: true, allowUnknownFields: true });
  } catch (error) {
    throw new HttpError(400, "BadRequest", `Malformed request body: ${(error as Error).message}`);
  }
  return value as T;
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" });
  res.end(JSON.stringify(value));
}

type Route = (deps: AdminDeps, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

const ROUTES: Record<string, Route> = {
  "POST /api/update_environment_variables": async (deps, req, res) => {
    const body = parsed<Infer<typeof envChanges>>(envChanges, await readJson(req, ADMIN_BODY_LIMIT));
    try {
      deps.env.update(body.changes.map((c) => ({ name: c.name, value: c.value ?? null })));
    } catch (error) {
      if (error instanceof EnvVarError) throw new HttpError(400, error.code, error.message);
      throw error;
    }
    json(res, 200, {});
  },
  "GET /api/list_environment_variables": async (deps, _req, res) => {
    json(res, 200, { environmentVariables: Object.fromEntries(deps.env.list().map((e) => [e.name, e.value])) });
  },
  "GET /api/stream_function_logs": async (deps, req, res, url) => {
    const cursor = Number(url.searchParams.get("cursor") ?? 0);
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    json(res, 200, await deps.logs.stream(Number.isFinite(cursor) && cursor >= 0 ? cursor : 0, abort.signal));
  },
  "POST /api/export/request/zip": async (deps, _req, res, url) => {
    await deps.jobs.requestExport(url.searchParams.get("includeStorage") === "true");
    json(res, 200, {});
  },
  "POST /api/import/start_upload": async (deps, _req, res) => {
    json(res, 200, { uploadToken: await deps.jobs.startUpload() });
  },
  "POST /api/import/upload_part": async (deps, req, res, url) => {
    const part = await deps.jobs.uploadPart(url.searchParams.get("uploadToken") ?? "", Number(url.searchParams.get("partNumber")), req);
    json(res, 200, part);
  },
  "POST /api/import/finish_upload": async (deps, req, res) => {
    const body = parsed<Infer<typeof finishUpload>>(finishUpload, await readJson(req, ADMIN_BODY_LIMIT));
    const { tableName, componentPath, mode, format } = body.import;
    const importId = await deps.jobs.finishUpload(body.uploadToken, body.partTokens, {
      tableName: tableName ?? undefined,
      componentPath: componentPath ?? undefined,
      mode,
      format,
    });
    json(res, 200, { importId });
  },
  "POST /api/perform_import": async (deps, req, res) => {
    const body = parsed<Infer<typeof performImport>>(performImport, await readJson(req, ADMIN_BODY_LIMIT));
    await deps.jobs.performImport(body.importId);
    json(res, 200, {});
  },
};

/** Paths only admins may use; anything under them without the admin key is a 401. */
const ADMIN_PATH =
  /^\/api\/(update_environment_variables|list_environment_variables|stream_function_logs|app_metrics\/stream_function_logs|export\/|import\/|perform_import)/;

/**
 * Answers an admin endpoint, or returns false when `url` is not one. Refuses with 401 unless
 * the request carries the deployment's admin key.
 */
export async function handleAdminRequest(deps: AdminDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (!ADMIN_PATH.test(url.pathname)) return false;
  let caller;
  try {
    caller = deps.admin.fromHeader(req.headers.authorization);
  } catch (error) {
    if (error instanceof AdminKeyError) throw new HttpError(401, error.code, error.message);
    throw error;
  }
  if (!caller)
    throw new HttpError(401, "Unauthenticated", "This endpoint needs the deployment's admin key: `Authorization: Convex <admin key>`.");
  const pathname = url.pathname.replace("/api/app_metrics/", "/api/");
  const download = /^\/api\/export\/zip\/([^/]+)$/.exec(pathname);
  if (download && req.method === "GET") {
    const file = deps.jobs.existingExport(download[1]);
    if (!file) throw new HttpError(404, "ExportNotFound", "No such snapshot export (only the latest is kept).");
    res.writeHead(200, {
      "Content-Type": "application/zip",
      "Content-Length": statSync(file).size,
      "Content-Disposition": `attachment; filename=snapshot_${download[1]}.zip`,
    });
    createReadStream(file).pipe(res);
    return true;
  }
  const route = ROUTES[`${req.method} ${pathname}`];
  if (!route) throw new HttpError(404, "NotFound", `No admin route for ${String(req.method)} ${url.pathname.slice(0, 200)}`);
  await route(deps, req, res, url);
  return true;
}
