/**
 * Loads the project's `convex/` folder and the components it mounts, bundled by esbuild with
 * the `convex` CLI's rules (convex/src/bundler/index.ts): modules without "use node" are
 * bundled for the browser platform with the "convex" and "module" conditions and run in a
 * default-runtime context (defaultRuntime.ts), one per component; "use node" modules are
 * bundled for Node, imported into this process, and may export only actions. Every load
 * builds into a fresh folder, so reloading after an edit runs new code.
 */
import { build, type BuildFailure, type Plugin } from "esbuild";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { runtimeHost } from "./engine";
import type { Component } from "./exec";
import { createDefaultRuntime, evaluateInContext, type RuntimeHost } from "./defaultRuntime";
import type { DocumentStore } from "./database";
import { convexSourceMap } from "./stackFrames";
import { documentValidators } from "./databaseSyscalls";
import { defineSearchIndexes, type SchemaSearchIndex } from "./search";
import type { ValidatorJson } from "./validate";
import { checkCrons, checkSchemaTables } from "./pushChecks";

export type LoadedApp = { app: Component; crons: Record<string, CronSpec>; http: HttpRouterLike | null; authConfig: AuthConfig };
export type CronSpec = { name: string; args: unknown[]; schedule: { type: string; [k: string]: unknown } };
export type HttpRouterLike = { lookup(path: string, method: string): [unknown, string, string] | null };
export type AuthConfig = { providers: Array<{ domain?: string; applicationID?: string; type?: string; issuer?: string; jwks?: string }> };

let generation = 0;

/** What kind of function `module:name` of a component is, or null when there is none. */
function functionKind(component: Component, name: string) {
  const [module, exportName = "default"] = name.split(":");
  const fn = component.modules.get(module.replace(/\.(js|ts)$/, ""))?.[exportName] as Record<string, unknown> | undefined;
  if (!fn) return null;
  return fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : fn.isHttp ? "httpAction" : null;
}

async function listModules(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "_generated" && entry.name !== "node_modules") out.push(...(await listModules(full, base)));
    } else if (/\.(ts|js|mjs|tsx|jsx)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      // Convex deploys only files with one dot; tests and configs with more stay out.
      if (entry.name.split(".").length === 2 || /^auth\.config\.[jt]s$/.test(entry.name)) out.push(path.relative(base, full));
    }
  }
  return out;
}

/** The prologue of a module holds the "use node" directive (convex CLI `hasUseNodeDirective`). */
export function hasUseNodeDirective(source: string): boolean {
  if (!source.includes("use node")) return false;
  const prologue = /^(?:\s+|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/|(["'])(?:(?!\1)[^\\\n])*\1\s*;?)*/.exec(source)?.[0] ?? "";
  return /(^|[;\s])(["'])use node\2/.test(prologue.replace(/\/\/[^\n]*\n|\/\*[\s\S]*?\*\//g, " "));
}

/** The convex CLI's `mustBeIsolate`: these modules never run in Node. */
const mustBeIsolate = (file: string) => ["http", "crons", "schema", "auth.config"].includes(file.replace(/\.[^/.]+$/, ""));

/** The message `npx convex dev` prints after esbuild's when a default-runtime module needs Node (convex/src/bundler/index.ts). */
export const USE_NODE_HINT =
  'It looks like you are using Node APIs from a file without the "use node" directive.\n' +
  'Split out actions using Node.js APIs like this into a new file only containing actions that uses "use node" so these actions will run in a Node.js environment.\n' +
  "For more information see https://docs.convex.dev/functions/runtimes#nodejs-runtime";

/** As the convex CLI's async-hooks shim: `async_hooks` in the default runtime is its global AsyncLocalStorage. */
const asyncHooksShim: Plugin = {
  name: "async-hooks-shim",
  setup(b) {
    b.onResolve({ filter: /^(node:)?async_hooks$/ }, (args) => ({ path: args.path, namespace: "async-hooks-shim" }));
    b.onLoad({ filter: /.*/, namespace: "async-hooks-shim" }, () => ({
      contents:
        "export const AsyncLocalStorage = globalThis.AsyncLocalStorage; export const AsyncResource = globalThis.AsyncResource; export default { AsyncLocalStorage, AsyncResource };",
      loader: "js",
    }));
  },
};

function buildError(error: unknown): Error {
  const failure = error as Partial<BuildFailure>;
  if (!Array.isArray(failure.errors)) return error as Error;
  const lines = failure.errors.map((e) => {
    const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : "";
    return [`✘ [ERROR] ${where}${e.text}`, ...e.notes.map((n) => `  ${n.text}`)].join("\n");
  });
  const needsNode = failure.errors.some((e) => e.notes.some((n) => n.text.includes("Are you trying to bundle for node?")));
  return new Error([...lines, ...(needsNode ? ["", USE_NODE_HINT] : [])].join("\n"));
}

const moduleName = (file: string) =>
  file
    .replace(/\.[^.]+$/, "")
    .split(path.sep)
    .join("/");

/** Default-runtime modules: one bundle evaluated in a fresh context; module name → namespace. */
async function bundleIsolate(
  dir: string,
  files: string[],
  outDir: string,
  runtime: RuntimeHost,
): Promise<Map<string, Record<string, unknown>>> {
  const modules = new Map<string, Record<string, unknown>>();
  if (files.length === 0) return modules;
  const entry = [
    ...files.map((f, i) => `import * as m${i} from ${JSON.stringify(`./${f.split(path.sep).join("/")}`)};`),
    `export const modules = { ${files.map((f, i) => `${JSON.stringify(moduleName(f))}: m${i}`).join(", ")} };`,
  ].join("\n");
  let code: string;
  let sourceMap: string;
  try {
    const result = await build({
      stdin: { contents: entry, resolveDir: dir, sourcefile: "convex-modules.js", loader: "js" },
      bundle: true,
      // As the CLI's bundles: a source map, which maps the stack frames of errors (stackFrames.ts).
      outfile: path.join(outDir, "isolate.js"),
      sourcemap: "external",
      format: "iife",
      globalName: "__convexModules",
      platform: "browser",
      target: "esnext",
      jsx: "automatic",
      conditions: ["convex", "module"],
      plugins: [asyncHooksShim],
      write: false,
      logLevel: "silent",
    });
    code = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
    sourceMap = convexSourceMap(result.outputFiles.find((f) => f.path.endsWith(".map"))!.text, outDir, path.dirname(dir));
  } catch (error) {
    throw buildError(error);
  }
  await fs.mkdir(outDir, { recursive: true });
  const file = path.join(outDir, "isolate.js");
  await fs.writeFile(file, code);
  await fs.writeFile(`${file}.map`, sourceMap);
  const exported = evaluateInContext(createDefaultRuntime(runtime), code, file, "__convexModules") as {
    modules: Record<string, Record<string, unknown>>;
  };
  for (const [name, mod] of Object.entries(exported.modules)) modules.set(name, mod);
  return modules;
}

const KIND_NAMES = { isQuery: "Query", isMutation: "Mutation" } as const;

/** "use node" modules: bundled for Node and imported here; only actions (crates/node_executor/src/executor.rs). */
async function bundleNode(
  dir: string,
  files: string[],
  outDir: string,
  externalPackages: string[],
): Promise<Map<string, Record<string, unknown>>> {
  const modules = new Map<string, Record<string, unknown>>();
  if (files.length === 0) return modules;
  try {
    await build({
      entryPoints: Object.fromEntries(files.map((f) => [f.replace(/\.[^.]+$/, ""), path.join(dir, f)])),
      outdir: outDir,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outExtension: { ".js": ".mjs" },
      // convex.json `node.externalPackages` are imported from node_modules at run time, as on Convex.
      ...(externalPackages.includes("*")
        ? { packages: "external" as const }
        : { external: ["convex", "convex/*", ...externalPackages.flatMap((p) => [p, `${p}/*`])] }),
      logLevel: "silent",
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
  } catch (error) {
    throw buildError(error);
  }
  for (const f of files) {
    const name = moduleName(f);
    const mod = (await import(pathToFileURL(path.join(outDir, `${name}.mjs`)).href)) as Record<string, unknown>;
    checkNodeModule(name, mod);
    modules.set(name, mod);
  }
  return modules;
}

/** A "use node" module may export only actions (crates/node_executor/src/executor.rs). */
export function checkNodeModule(name: string, mod: Record<string, unknown>): void {
  for (const [exportName, value] of Object.entries(mod)) {
    const registered = value as Record<string, unknown> | null;
    if (typeof registered !== "function" && (typeof registered !== "object" || registered === null)) continue;
    for (const [flag, kind] of Object.entries(KIND_NAMES)) {
      if (registered[flag]) {
        throw new Error(
          `\`${exportName}\` defined in \`"${name}.js"\` is a ${kind} function. Only actions can be defined in Node.js. See https://docs.convex.dev/functions/actions for more details.`,
        );
      }
    }
  }
}

async function bundle(
  dir: string,
  files: string[],
  outDir: string,
  runtime: RuntimeHost,
  externalPackages: string[],
): Promise<Map<string, Record<string, unknown>>> {
  const nodeFiles: string[] = [];
  const isolateFiles: string[] = [];
  for (const f of files) {
    if (hasUseNodeDirective(await fs.readFile(path.join(dir, f), "utf8"))) {
      if (mustBeIsolate(f)) throw new Error(`"use node" directive is not allowed for ${f}.`);
      nodeFiles.push(f);
    } else isolateFiles.push(f);
  }
  const isolate = await bundleIsolate(dir, isolateFiles, outDir, runtime);
  const node = await bundleNode(dir, nodeFiles, path.join(outDir, "node"), externalPackages);
  return new Map([...isolate, ...node]);
}

/** `import x from "pkg/convex.config"` + `app.use(x)` → mounted components. */
function usedComponents(configSource: string, resolveFrom: string): Array<{ name: string; dir: string; configFile: string }> {
  const require = createRequire(resolveFrom);
  const imports = new Map<string, string>();
  for (const m of configSource.matchAll(/import\s+(\w+)\s+from\s+["']([^"']+?)(?:\/convex\.config(?:\.js)?)?["']/g))
    imports.set(m[1], m[2]);
  const found: Array<{ name: string; dir: string; configFile: string }> = [];
  for (const m of configSource.matchAll(/\.use\(\s*(\w+)\s*(?:,\s*\{[^}]*name:\s*["'](\w+)["'][^}]*\})?\s*\)/g)) {
    const spec = imports.get(m[1]);
    if (!spec) continue;
    const configPath = spec.startsWith(".") ? path.resolve(path.dirname(resolveFrom), spec) : require.resolve(`${spec}/convex.config.js`);
    // A component of the project itself is a folder holding convex.config.ts (or .js).
    const local = spec.startsWith(".")
      ? ["ts", "js"].map((ext) => path.join(configPath, `convex.config.${ext}`)).find((f) => existsSync(f))
      : undefined;
    const file = local ?? (configPath.endsWith(".js") ? configPath : `${configPath}.js`);
    const source = readFileSync(file, "utf8");
    const name = m[2] ?? /defineComponent\(\s*["'](\w+)["']/.exec(source)?.[1];
    if (name) found.push({ name, dir: path.dirname(file), configFile: file });
  }
  return found;
}

/** The JSON a schema module's `export()` gives (the CLI's analyzedSchema). */
export type ExportedSchema = {
  tables: Array<{
    tableName: string;
    indexes: Array<{ indexDescriptor: string; fields: string[] }>;
    searchIndexes?: SchemaSearchIndex[];
    vectorIndexes?: unknown[];
    documentType: ValidatorJson | null;
  }>;
  schemaValidation: boolean;
};

/** A component's schema as its `schema` module exports it, or null when it has none. */
export function exportedSchema(modules: Map<string, Record<string, unknown>>): ExportedSchema | null {
  const schema = modules.get("schema")?.default as { export(): string } | undefined;
  return schema ? (JSON.parse(schema.export()) as ExportedSchema) : null;
}

/**
 * A component made of evaluated modules: its schema is checked and what it changes in the
 * store goes into `apply`, run only once the whole app passed the push checks.
 */
export function componentFromModules(
  store: DocumentStore,
  componentPath: string,
  modules: Map<string, Record<string, unknown>>,
  apply: Array<() => void>,
): Component {
  const component: Component = { path: componentPath, modules, children: new Map() };
  const exported = exportedSchema(modules);
  if (exported) {
    checkSchemaTables(exported.tables);
    for (const table of exported.tables) {
      const tableKey = `${componentPath}:${table.tableName}`;
      apply.push(() => {
        store.defineTable(
          tableKey,
          table.indexes.map((i) => ({ name: i.indexDescriptor, fields: i.fields })),
        );
        defineSearchIndexes(store, tableKey, table.searchIndexes ?? []);
        if (exported.schemaValidation && table.documentType) documentValidators.set(tableKey, table.documentType);
      });
    }
  }
  apply.push(() => {
    store.defineTable(`${componentPath}:_storage`, []);
    store.defineTable(`${componentPath}:_scheduled_functions`, [{ name: "by_scheduledTime", fields: ["scheduledTime"] }]);
  });
  return component;
}

/** Loads a component's code from its folder, and the components its convex.config mounts. */
async function loadComponent(
  store: DocumentStore,
  componentPath: string,
  dir: string,
  outRoot: string,
  configFile: string | null,
  runtime: RuntimeHost,
  apply: Array<() => void>,
  externalPackages: string[],
): Promise<Component> {
  const files = (await listModules(dir)).filter((f) => !/^convex\.config\./.test(f) && !/^test\./.test(f));
  const outDir = path.join(outRoot, componentPath || "app");
  const modules = await bundle(dir, files, outDir, runtime, externalPackages);
  const component = componentFromModules(store, componentPath, modules, apply);
  // What the execution pools' workers load: the default-runtime bundle, and the "use node" modules.
  const isolateBundle = path.join(outDir, "isolate.js");
  if (existsSync(isolateBundle)) component.bundle = isolateBundle;
  component.nodeModules = [...modules.keys()]
    .map((module) => ({ module, file: path.join(outDir, "node", `${module}.mjs`) }))
    .filter(({ file }) => existsSync(file));
  if (configFile && existsSync(configFile)) {
    for (const child of usedComponents(readFileSync(configFile, "utf8"), configFile)) {
      const childPath = componentPath ? `${componentPath}/${child.name}` : child.name;
      component.children.set(
        child.name,
        // The child's own convex.config (TypeScript for an in-repo component): its children load too, at any depth.
        await loadComponent(store, childPath, child.dir, outRoot, child.configFile, runtime, apply, externalPackages),
      );
    }
  }
  return component;
}

/**
 * The app's crons, HTTP router and auth config, checked; `commit` puts the new schema in
 * place of the old one (call it only when the app is about to serve).
 */
export function prepareApp(app: Component, apply: Array<() => void>): { loaded: LoadedApp; commit(): void } {
  const declared = (app.modules.get("crons")?.default as { crons?: Record<string, CronSpec> } | undefined)?.crons ?? {};
  // The specs were made in the default runtime's context: copied into this realm's values.
  const crons = jsonToConvex(convexToJson(declared as unknown as Value)) as unknown as Record<string, CronSpec>;
  checkCrons(crons, (name) => functionKind(app, name));
  const http = (app.modules.get("http")?.default as HttpRouterLike | undefined) ?? null;
  const authConfig = (app.modules.get("auth.config")?.default as AuthConfig | undefined) ?? { providers: [] };
  return {
    loaded: { app, crons, http, authConfig },
    commit() {
      documentValidators.clear();
      for (const step of apply) step();
    },
  };
}

export async function loadApp(
  store: DocumentStore,
  convexDir: string,
  cacheDir: string,
  runtime: RuntimeHost = runtimeHost((name) => process.env[name]),
  externalPackages: string[] = [],
): Promise<LoadedApp> {
  const outRoot = path.join(cacheDir, `build-${process.pid}-${++generation}`);
  const apply: Array<() => void> = [];
  const configFile = ["ts", "js"].map((ext) => path.join(convexDir, `convex.config.${ext}`)).find((f) => existsSync(f)) ?? null;
  const app = await loadComponent(store, "", convexDir, outRoot, configFile, runtime, apply, externalPackages);
  const { loaded, commit } = prepareApp(app, apply);
  // Every check passed: the new schema replaces the old one.
  commit();
  // Older builds of this process are not needed once the new one is loaded, nor those of processes
  // gone; another running backend's build stays (its execution workers load their functions from it).
  for (const entry of await fs.readdir(cacheDir)) {
    const owner = /^build-(\d+)-\d+$/.exec(entry);
    if (!owner || path.join(cacheDir, entry) === outRoot) continue;
    const pid = Number(owner[1]);
    if (pid === process.pid || !processAlive(pid)) await fs.rm(path.join(cacheDir, entry), { recursive: true, force: true });
  }
  return loaded;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
