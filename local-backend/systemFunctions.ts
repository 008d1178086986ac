/**
 * The `_system/cli/*` queries the convex CLI calls with its admin key (Convex implements them
 * in npm-packages/system-udfs/convex/_system/cli/), answered here from the store, the loaded
 * modules and the deployment's state. Only admins reach them (httpApi.ts, sync.ts).
 */
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import { parseDoc, type Doc } from "./database";
import type { Engine } from "./engine";
import type { DeploymentEnv } from "./deploymentEnv";
import type { SnapshotJobs } from "./snapshotJobs";

export type SystemDeps = {
  engine: Engine;
  env: DeploymentEnv;
  jobs: SnapshotJobs;
  cloudUrl: () => string;
  /** The loaded app's HTTP router, for the HTTP routes in the function spec. */
  http: () => unknown;
};

export class SystemFunctionError extends Error {}

export const isSystemPath = (udfPath: string) => udfPath.startsWith("_system/");

/** "_system/cli/tables" → "_system/cli/tables:default"; ".js" dropped. */
function canonical(udfPath: string): string {
  const [module, name = "default"] = udfPath.split(":");
  return `${module.replace(/\.js$/, "")}:${name}`;
}

type Args = Record<string, Value>;
type Handler = (deps: SystemDeps, componentPath: string, args: Args) => Value;

const HANDLERS: Record<string, Handler> = {
  "_system/cli/tables:default": ({ engine }, componentPath) => ({
    page: engine.store
      .tableList()
      .filter((t) => t.tableKey.slice(0, t.tableKey.lastIndexOf(":")) === componentPath)
      .map((t) => ({ name: t.tableKey.slice(t.tableKey.lastIndexOf(":") + 1) }))
      .filter(({ name }) => !name.startsWith("_")),
    isDone: true,
    continueCursor: "end",
  }),
  "_system/cli/tableData:default": ({ engine }, componentPath, args) => tableData(engine, componentPath, args),
  "_system/cli/tableSize:default": ({ engine }, componentPath, args) => engine.store.count(`${componentPath}:${String(args.tableName)}`),
  "_system/cli/queryEnvironmentVariables:default": ({ env }) => env.list(),
  "_system/cli/queryEnvironmentVariables:get": ({ env }, _c, args) => {
    const value = env.get(String(args.name));
    return value === undefined ? null : { name: String(args.name), value };
  },
  "_system/cli/modules:apiSpec": ({ engine, http }, componentPath) => apiSpec(engine, componentPath, http()),
  "_system/cli/convexUrl:cloudUrl": ({ cloudUrl }) => cloudUrl(),
  "_system/cli/exports:getLatest": ({ jobs }) => jobs.latestExport(),
  "_system/cli/queryImport:default": ({ jobs }, _c, args) => jobs.importState(String(args.importId)),
  "_system/cli/queryImport:list": ({ jobs }) => jobs.importList(),
};

/** Runs a system query for an admin, one at a time with the functions (a consistent read). */
export async function runSystemFunction(deps: SystemDeps, componentPath: string, udfPath: string, args: Args): Promise<Value> {
  const handler = HANDLERS[canonical(udfPath)];
  if (!handler)
    throw new SystemFunctionError(
      `Could not find function for '${udfPath}': the embedded backend does not implement this system function.`,
    );
  return await deps.engine.serial(async () => handler(deps, componentPath, args));
}

/** A page of a table in creation order (`npx convex data <table>`). */
function tableData(engine: Engine, componentPath: string, args: Args): Value {
  const store = engine.store;
  const tableKey = `${componentPath}:${String(args.table)}`;
  const order = args.order === "asc" ? "asc" : "desc";
  const opts = (args.paginationOpts ?? {}) as { cursor?: string | null; numItems?: number };
  const numItems = Math.max(1, Math.min(1000, Math.floor(Number(opts.numItems) || 100)));
  const { low, high } = store.bounds(tableKey, "by_creation_time", []);
  const after = typeof opts.cursor === "string" && opts.cursor !== "" ? Buffer.from(opts.cursor, "base64") : null;
  const rows = store.scan(tableKey, "by_creation_time", low, high, order, after, numItems);
  const page = rows.map((r) => parseDoc(r.json) as Doc as unknown as Value);
  const last = rows.at(-1);
  return { page, isDone: rows.length < numItems, continueCursor: last ? last.key.toString("base64") : "end" };
}

type Registered = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  isInternal?: boolean;
  exportArgs?: () => string;
  exportReturns?: () => string;
};

/** Every function of a component as `npx convex function-spec` lists it (system-udfs `_system/cli/modules:apiSpec`). */
function apiSpec(engine: Engine, componentPath: string, http: unknown): Value {
  const out: Value[] = [];
  const component = engine.component(componentPath);
  for (const [modulePath, exports] of [...component.modules].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [name, value] of Object.entries(exports)) {
      const fn = value as Registered | null;
      if (!fn || (typeof fn !== "object" && typeof fn !== "function") || !(fn.isQuery || fn.isMutation || fn.isAction)) continue;
      // No validator: Convex's DEFAULT_ARGS_VALIDATOR / DEFAULT_RETURN_VALIDATOR.
      const parse = (text: string | undefined) => jsonToConvex((JSON.parse(text ?? "null") as JSONValue) ?? { type: "any" });
      out.push({
        identifier: `${modulePath}.js:${name}`,
        functionType: fn.isQuery ? "Query" : fn.isMutation ? "Mutation" : "Action",
        visibility: { kind: fn.isPublic ? "public" : "internal" },
        args: parse(fn.exportArgs?.()),
        returns: parse(fn.exportReturns?.()),
      });
    }
  }
  const router = http as { getRoutes?: () => Array<[string, string, unknown]> } | null;
  if (componentPath === "" && typeof router?.getRoutes === "function") {
    for (const [routePath, method] of router.getRoutes()) out.push({ functionType: "HttpAction", method, path: routePath });
  }
  return out;
}
