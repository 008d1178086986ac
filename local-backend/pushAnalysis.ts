/**
 * What start_push answers about the pushed code, in the shapes the `convex` CLI reads
 * (src/cli/lib/deployApi/*.ts; crates/model/src/modules/module_versions.rs SerializedAnalyzedModule,
 * crates/model/src/components/file_based_routing.rs): each module's functions with their
 * visibility and validators, a child component's exports (its public functions as a tree of
 * `_reference/function/<module>.js:<name>` leaves), the index changes a schema makes. The CLI
 * writes `_generated` (the typed `components` included) from this.
 */
import { randomBytes } from "node:crypto";
import type { ExportedSchema } from "./loader";
import { intervalOf, type Schedule } from "./cronSchedule";
import { isChunk, moduleNameOf, type Namespaces } from "./pushedModules";

type Registered = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  exportArgs?: () => string;
  exportReturns?: () => string;
};

export type AnalyzedFunction = {
  name: string;
  pos: null;
  udfType: "Query" | "Mutation" | "Action";
  visibility: { kind: "public" | "internal" };
  args: string | null;
  returns: string | null;
};
/** module_versions.rs `SerializedAnalyzedHttpRoute`. */
type AnalyzedHttpRoute = { route: { path: string; method: string }; pos: null };
/** module_versions.rs `SerializedNamedCronSpec` (cron_jobs/types.rs `SerializedCronSpec`: the arguments as bytes of their JSON). */
type AnalyzedCronSpec = { identifier: string; spec: { udfPath: string; udfArgs: number[]; cronSchedule: unknown } };
export type AnalyzedModule = {
  functions: AnalyzedFunction[];
  /** Only the `http` module's: its router's routes. */
  httpRoutes: AnalyzedHttpRoute[] | null;
  /** Only the `crons` module's: its jobs. */
  cronSpecs: AnalyzedCronSpec[] | null;
  sourceMapped: null;
};

type RouterOf = { getRoutes?: () => Array<[string, string, unknown]> };
type CronsOf = { crons?: Record<string, { name: string; args: unknown[]; schedule: Schedule }> };

function httpRoutesOf(name: string, ns: Record<string, unknown>): AnalyzedHttpRoute[] | null {
  const router = name === "http" ? (ns.default as RouterOf | undefined) : undefined;
  return router?.getRoutes ? router.getRoutes().map(([path, method]) => ({ route: { path, method }, pos: null })) : null;
}

function cronSpecsOf(name: string, ns: Record<string, unknown>): AnalyzedCronSpec[] | null {
  const crons = name === "crons" ? (ns.default as CronsOf | undefined)?.crons : undefined;
  if (!crons) return null;
  return Object.entries(crons).map(([identifier, job]) => ({
    identifier,
    spec: {
      udfPath: job.name,
      udfArgs: [...new TextEncoder().encode(JSON.stringify(job.args))],
      // An interval as Convex keeps it (types.rs `CronSchedule::Interval { seconds }`); the others as declared.
      cronSchedule:
        intervalOf(job.schedule) === null
          ? (JSON.parse(JSON.stringify(job.schedule)) as unknown)
          : { type: "interval", seconds: intervalOf(job.schedule)! / 1000 },
    },
  }));
}

/** Functions of every module (chunks excluded), keyed by canonical module path ("lib/util.js"). */
export function analyzeModules(namespaces: Namespaces): Record<string, AnalyzedModule> {
  const out: Record<string, AnalyzedModule> = {};
  for (const [name, ns] of [...namespaces].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (isChunk(name) || name === "schema") continue;
    const functions: AnalyzedFunction[] = [];
    for (const [exportName, value] of Object.entries(ns)) {
      const fn = value as Registered | null;
      if (!fn || (typeof fn !== "object" && typeof fn !== "function")) continue;
      const udfType = fn.isQuery ? "Query" : fn.isMutation ? "Mutation" : fn.isAction ? "Action" : null;
      if (!udfType) continue;
      functions.push({
        name: exportName,
        pos: null,
        udfType,
        visibility: { kind: fn.isPublic ? "public" : "internal" },
        args: fn.exportArgs?.() ?? null,
        returns: fn.exportReturns?.() ?? null,
      });
    }
    const moduleName = moduleNameOf(name);
    out[`${moduleName}.js`] = {
      functions,
      httpRoutes: httpRoutesOf(moduleName, ns),
      cronSpecs: cronSpecsOf(moduleName, ns),
      sourceMapped: null,
    };
  }
  return out;
}

type ExportNode = { type: "leaf"; leaf: string } | { type: "branch"; branch: Array<[string, ExportNode]> };

/** A child component's exports: its public functions by file path (file_based_routing.rs `file_based_exports`). */
export function fileBasedExports(functions: Record<string, AnalyzedModule>): { type: "branch"; branch: Array<[string, ExportNode]> } {
  type Tree = Map<string, Tree | string>;
  const root: Tree = new Map();
  for (const [modulePath, module] of Object.entries(functions)) {
    const parts = modulePath.replace(/\.js$/, "").split("/");
    for (const fn of module.functions) {
      if (fn.visibility.kind !== "public") continue;
      let node = root;
      for (const part of parts) {
        const next = node.get(part) ?? new Map();
        if (typeof next === "string") throw new Error(`InvalidExport: Path "${modulePath}":${fn.name} conflicts with existing export`);
        node.set(part, next);
        node = next;
      }
      if (node.has(fn.name)) throw new Error(`InvalidExport: Path "${modulePath}":${fn.name} conflicts with existing export`);
      node.set(fn.name, `_reference/function/${modulePath}:${fn.name}`);
    }
  }
  const serialize = (tree: Tree): { type: "branch"; branch: Array<[string, ExportNode]> } => ({
    type: "branch",
    branch: [...tree].map(([k, v]) => [k, typeof v === "string" ? { type: "leaf", leaf: v } : serialize(v)]),
  });
  return serialize(root);
}

/** The CLI's udfConfig: server version, the import-phase RNG seed (Convex bytes) and time (Convex Int64). */
export function udfConfig(serverVersion: string) {
  const now = Buffer.alloc(8);
  now.writeBigInt64LE(BigInt(Date.now()));
  return {
    serverVersion,
    importPhaseRngSeed: { $bytes: randomBytes(32).toString("base64") },
    importPhaseUnixTimestamp: { $integer: now.toString("base64") },
  };
}

export type IndexConfig =
  { name: string; type: "database"; fields: string[] } | { name: string; type: "search"; searchField: string; filterFields: string[] };
export type IndexDiff = { added_indexes: IndexConfig[]; removed_indexes: IndexConfig[] };

function indexesOf(schema: ExportedSchema | null): IndexConfig[] {
  const out: IndexConfig[] = [];
  for (const table of schema?.tables ?? []) {
    for (const i of table.indexes) out.push({ name: `${table.tableName}.${i.indexDescriptor}`, type: "database", fields: i.fields });
    for (const i of table.searchIndexes ?? [])
      out.push({
        name: `${table.tableName}.${i.indexDescriptor}`,
        type: "search",
        searchField: i.searchField,
        filterFields: i.filterFields,
      });
  }
  return out;
}

/** Indexes the new schema adds and removes (an index whose definition changed is both). */
export function indexDiff(previous: ExportedSchema | null, next: ExportedSchema | null): IndexDiff {
  const before = new Map(indexesOf(previous).map((i) => [i.name, JSON.stringify(i)]));
  const after = new Map(indexesOf(next).map((i) => [i.name, JSON.stringify(i)]));
  return {
    added_indexes: indexesOf(next).filter((i) => before.get(i.name) !== after.get(i.name)),
    removed_indexes: indexesOf(previous).filter((i) => after.get(i.name) !== before.get(i.name)),
  };
}
