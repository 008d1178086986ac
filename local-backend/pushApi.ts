/**
 * The push endpoints of a self-hosted Convex deployment that `npx convex dev` and
 * `npx convex deploy` call (crates/local_backend/src/router.rs, deploy_config2.rs), for admins
 * only: get_config_hashes, deploy2/start_push, evaluate_push, wait_for_schema, finish_push and
 * report_push_completed, and v1/get_canonical_urls (crates/local_backend/src/canonical_urls.rs).
 * evaluate_schema is not offered: the CLI treats its 404 as "no schema
 * evaluation" and sizes deleted indexes with evaluate_push and `_system/cli/tableSize` instead.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Infer } from "convex/values";
import { AdminKeyError, type AdminAuth } from "./adminAuth";
import { PushRefused, type PushService } from "./deployPush";
import { PushError } from "./pushChecks";
import { PushedModuleError } from "./pushedModules";
import { HttpError, readJson } from "./httpInput";
import { finishPushRequest, parsed, readPushBody, startPushRequest, waitForSchemaRequest, type StartPushRequest } from "./pushRequest";

export type PushApiDeps = { admin: AdminAuth; push: PushService; urls: () => { cloud: string; site: string } };

const SMALL_BODY_LIMIT = 1 << 20;

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(value));
}

/** What went wrong evaluating pushed code, as the CLI prints it ("Hit an error while pushing:"). */
async function pushing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const code =
      error instanceof PushRefused || error instanceof PushError
        ? error.code
        : error instanceof PushedModuleError
          ? "InvalidModule"
          : "PushFailed";
    const message = error instanceof PushError ? error.message.slice(code.length + 2) : (error as Error).message;
    throw new HttpError(400, code, `Hit an error while pushing:\n${message}`);
  }
}

type Route = (deps: PushApiDeps, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The admin key of a push body must be the deployment's too. */
function checkBodyKey(deps: PushApiDeps, key: string | undefined) {
  if (key === undefined) return;
  try {
    deps.admin.caller(key);
  } catch {
    throw new HttpError(401, "BadAdminKey", new AdminKeyError().message);
  }
}

async function startPushBody(deps: PushApiDeps, req: IncomingMessage): Promise<StartPushRequest> {
  const body = parsed<StartPushRequest>(startPushRequest, await readPushBody(req));
  checkBodyKey(deps, body.adminKey);
  return body;
}

const ROUTES: Record<string, Route> = {
  "GET /api/v1/get_canonical_urls": async (deps, _req, res) => {
    const { cloud, site } = deps.urls();
    json(res, 200, { convexCloudUrl: cloud, convexSiteUrl: site });
  },
  "POST /api/get_config_hashes": async (deps, req, res) => {
    await readJson(req, SMALL_BODY_LIMIT);
    json(res, 200, deps.push.configHashes());
  },
  "POST /api/deploy2/start_push": async (deps, req, res) => {
    const body = await startPushBody(deps, req);
    json(res, 200, await pushing(() => deps.push.startPush(body)));
  },
  "POST /api/deploy2/evaluate_push": async (deps, req, res) => {
    const body = await startPushBody(deps, req);
    json(res, 200, await pushing(() => deps.push.evaluatePush(body)));
  },
  "POST /api/deploy2/wait_for_schema": async (deps, req, res) => {
    const body = parsed<Infer<typeof waitForSchemaRequest>>(waitForSchemaRequest, await readJson(req, SMALL_BODY_LIMIT));
    checkBodyKey(deps, body.adminKey);
    json(res, 200, deps.push.waitForSchema(body.schemaChange.schemaIds));
  },
  "POST /api/deploy2/finish_push": async (deps, req, res) => {
    const body = parsed<Infer<typeof finishPushRequest>>(finishPushRequest, await readPushBody(req));
    checkBodyKey(deps, body.adminKey);
    json(res, 200, await pushing(() => deps.push.finishPush(body.startPush.schemaChange.schemaIds, body.dryRun)));
  },
  "POST /api/deploy2/report_push_completed": async (_deps, req, res) => {
    await readJson(req, 16 << 20);
    json(res, 200, null);
  },
};

/** Answers a push endpoint, or returns false when `url` is not one. Refuses with 401 unless the request carries the admin key. */
export async function handlePushRequest(deps: PushApiDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const route = ROUTES[`${req.method} ${url.pathname}`];
  if (!route) return false;
  let caller;
  try {
    caller = deps.admin.fromHeader(req.headers.authorization);
  } catch (error) {
    if (error instanceof AdminKeyError) throw new HttpError(401, error.code, error.message);
    throw error;
  }
  if (!caller)
    throw new HttpError(401, "Unauthenticated", "This endpoint needs the deployment's admin key: `Authorization: Convex <admin key>`.");
  await route(deps, req, res);
  return true;
}
