/**
 * Runs modules as the `convex` CLI pushes them (already bundled, ESM, one file per module plus
 * shared `_deps/` chunks): "isolate" modules are linked in memory and evaluated in a fresh
 * default-runtime context, as the folder loader does with its own bundles; "node" modules are
 * written to a folder marked `"type": "module"` whose `node_modules` is the project's (where
 * `node.externalPackages` resolve, as Convex links the installed packages next to the source,
 * npm-packages/node-executor/src/source_package.ts) and imported here. Component definitions
 * (`convex.config.js`) are evaluated with their `_componentDeps/<base64url path>` imports answered
 * by the children's metadata (crates/isolate/src/environment/component_definitions.rs).
 */
import { build, type Plugin } from "esbuild";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createDefaultRuntime, evaluateInContext, type RuntimeHost } from "./defaultRuntime";
import { checkNodeModule } from "./loader";

export type PushedModule = { path: string; source: string; sourceMap?: string; environment: "isolate" | "node" };
export type Namespaces = Map<string, Record<string, unknown>>;

/** A module path as pushed ("lib/util.js") → the module name functions are called by ("lib/util"). */
export const moduleNameOf = (modulePath: string) => modulePath.replace(/\.[cm]?js$/, "");
/** Shared chunks, not modules of their own. */
export const isChunk = (modulePath: string) => modulePath.startsWith("_deps/");

export class PushedModuleError extends Error {}

function safeRelative(modulePath: string): string {
  const normalized = path.posix.normalize(modulePath);
  if (normalized.startsWith("../") || normalized.startsWith("/") || normalized.includes("\0") || normalized === "..")
    throw new PushedModuleError(`Invalid module path: ${JSON.stringify(modulePath.slice(0, 200))}`);
  return normalized;
}

/** Resolves relative imports among `files`; anything else is answered by `extra` or refused. */
function inMemory(files: Map<string, string>, extra: (specifier: string) => string | null = () => null): Plugin {
  return {
    name: "pushed-modules",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const fromDir = args.importer && args.namespace === "pushed" ? path.posix.dirname(args.importer) : ".";
        if (!args.path.startsWith(".")) {
          return { errors: [{ text: `Can't import "${args.path}": pushed modules are bundled, so only relative imports remain.` }] };
        }
        const target = path.posix.normalize(path.posix.join(fromDir, args.path));
        if (files.has(target)) return { path: target, namespace: "pushed" };
        if (extra(target) !== null) return { path: target, namespace: "pushed" };
        return { errors: [{ text: `Module not found: ${target}` }] };
      });
      b.onLoad({ filter: /.*/, namespace: "pushed" }, (args) => ({
        contents: files.get(args.path) ?? extra(args.path) ?? "",
        loader: "js",
      }));
    },
  };
}

/**
 * Links `entries` of `files` into one script that sets `globalThis[globalName] = { modules }`, each
 * module under `key(path)` (the module's name for functions, as the workers look them up).
 */
async function linkScript(
  files: Map<string, string>,
  entries: string[],
  globalName: string,
  extra?: (p: string) => string | null,
  key: (p: string) => string = (p) => p,
) {
  const entry = [
    ...entries.map((f, i) => `import * as m${i} from ${JSON.stringify(`./${f}`)};`),
    `export const modules = { ${entries.map((f, i) => `${JSON.stringify(key(f))}: m${i}`).join(", ")} };`,
  ].join("\n");
  try {
    const result = await build({
      stdin: { contents: entry, sourcefile: "pushed-entry.js", loader: "js" },
      bundle: true,
      format: "iife",
      globalName,
      platform: "neutral",
      target: "esnext",
      plugins: [inMemory(files, extra)],
      write: false,
      logLevel: "silent",
    });
    return result.outputFiles[0].text;
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string }> }).errors;
    throw new PushedModuleError(errors ? errors.map((e) => e.text).join("\n") : (error as Error).message);
  }
}

/**
 * Evaluates one component's pushed modules (functions, schema, http, crons, auth.config): module
 * name → namespace, and the files the execution pools' workers load (the default-runtime bundle,
 * the "use node" modules), as the folder loader gives them.
 */
export async function evaluateModules(
  modules: PushedModule[],
  outDir: string,
  nodeModulesDir: string | null,
  runtime: RuntimeHost,
): Promise<{ namespaces: Namespaces; bundle?: string; nodeModules: Array<{ module: string; file: string }> }> {
  const namespaces: Namespaces = new Map();
  const built: { bundle?: string; nodeModules: Array<{ module: string; file: string }> } = { nodeModules: [] };
  const isolate = new Map<string, string>();
  const node = new Map<string, string>();
  for (const m of modules) (m.environment === "node" ? node : isolate).set(safeRelative(m.path), m.source);
  const isolateEntries = [...isolate.keys()].filter((p) => !isChunk(p));
  if (isolateEntries.length > 0) {
    const code = await linkScript(isolate, isolateEntries, "__convexModules", undefined, moduleNameOf);
    await fs.mkdir(outDir, { recursive: true });
    const file = path.join(outDir, "isolate.js");
    await fs.writeFile(file, code);
    const exported = evaluateInContext(createDefaultRuntime(runtime), code, file, "__convexModules") as {
      modules: Record<string, Record<string, unknown>>;
    };
    for (const [p, ns] of Object.entries(exported.modules)) namespaces.set(moduleNameOf(p), ns);
    built.bundle = file;
  }
  if (node.size > 0) {
    const dir = path.join(outDir, "node");
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, "package.json"), '{ "type": "module" }\n');
    if (nodeModulesDir && existsSync(nodeModulesDir)) await fs.symlink(nodeModulesDir, path.join(dir, "node_modules"), "dir");
    // As Convex's node executor sets `require` for the bundle's dynamic requires: relative to the module.
    const prelude =
      'import { createRequire as __convexCreateRequire } from "node:module"; var require = __convexCreateRequire(import.meta.url);\n';
    for (const [p, source] of node) {
      const file = path.join(dir, p);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, prelude + source);
    }
    for (const p of node.keys()) {
      if (isChunk(p)) continue;
      const name = moduleNameOf(p);
      const ns = (await import(pathToFileURL(path.join(dir, p)).href)) as Record<string, unknown>;
      checkNodeModule(name, ns);
      namespaces.set(name, ns);
      built.nodeModules.push({ module: name, file: path.join(dir, p) });
    }
  }
  return { namespaces, ...built };
}

/** What a component definition's `export()` gives (the CLI's componentDefinitionMetadata, without path). */
export type DefinitionMetadata = {
  name?: string;
  definitionType: { type: "app" } | { type: "childComponent"; name: string; args?: unknown[] };
  childComponents: Array<{ name: string; path: string; env?: unknown }>;
  httpMounts: Record<string, string>;
  /** The app's prefix for its own HTTP routes (`defineApp({ httpPrefix })`). */
  httpPrefix?: string;
  exports: { type: "branch"; branch: Array<[string, unknown]> };
  envVars?: unknown;
};

/**
 * Evaluates a `convex.config.js` bundle: its imports of child definitions
 * (`./_componentDeps/<base64url of the definition path>`) are the children evaluated before it.
 */
export async function evaluateDefinition(
  definition: PushedModule,
  children: Map<string, DefinitionMetadata & { path: string }>,
  runtime: RuntimeHost,
): Promise<DefinitionMetadata> {
  const file = safeRelative(definition.path);
  const synthetic = (modulePath: string): string | null => {
    const m = /^_componentDeps\/([A-Za-z0-9_-]+={0,2})$/.exec(modulePath);
    if (!m) return null;
    const childPath = Buffer.from(m[1], "base64url").toString("utf8");
    const child = children.get(childPath);
    if (!child || child.definitionType.type !== "childComponent") return null;
    return `export default { export: () => (${JSON.stringify(child)}), componentDefinitionPath: ${JSON.stringify(childPath)}, defaultName: ${JSON.stringify(child.definitionType.name)} };`;
  };
  const code = await linkScript(new Map([[file, definition.source]]), [file], "__convexDefinition", synthetic);
  const exported = evaluateInContext(createDefaultRuntime(runtime), code, definition.path, "__convexDefinition") as {
    modules: Record<string, { default?: { export?: () => DefinitionMetadata } }>;
  };
  const value = exported.modules[file]?.default;
  if (typeof value?.export !== "function")
    throw new PushedModuleError(`${definition.path} must export a component definition (defineApp() or defineComponent()) as default.`);
  // Copied out of the default runtime's realm.
  return JSON.parse(JSON.stringify(value.export())) as DefinitionMetadata;
}
