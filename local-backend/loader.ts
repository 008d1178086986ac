/**
 * Loads the project's `convex/` folder and the components it mounts. Each module is
 * bundled by esbuild (as `npx convex dev` does) into a fresh folder, so reloading after an
 * edit imports new code.
 */
import { build } from "esbuild";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Component } from "./engine";
import type { DocumentStore } from "./database";
import { documentValidators } from "./syscalls";
import { defineSearchIndexes, type SchemaSearchIndex } from "./search";
import type { ValidatorJson } from "./validate";

export type LoadedApp = { app: Component; crons: Record<string, CronSpec>; http: HttpRouterLike | null; authConfig: AuthConfig };
export type CronSpec = { name: string; args: unknown[]; schedule: { type: string; [k: string]: unknown } };
export type HttpRouterLike = { lookup(path: string, method: string): [unknown, string, string] | null };
export type AuthConfig = { providers: Array<{ domain?: string; applicationID?: string; type?: string; issuer?: string; jwks?: string }> };

let generation = 0;

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

async function bundle(dir: string, files: string[], outDir: string): Promise<Map<string, Record<string, unknown>>> {
  await build({
    entryPoints: Object.fromEntries(files.map((f) => [f.replace(/\.[^.]+$/, ""), path.join(dir, f)])),
    outdir: outDir,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    external: ["convex", "convex/*"],
    logLevel: "silent",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const modules = new Map<string, Record<string, unknown>>();
  for (const f of files) {
    const name = f.replace(/\.[^.]+$/, "").split(path.sep).join("/");
    modules.set(name, (await import(pathToFileURL(path.join(outDir, `${name}.mjs`)).href)) as Record<string, unknown>);
  }
  return modules;
}

/** `import x from "pkg/convex.config"` + `app.use(x)` → mounted components. */
function usedComponents(configSource: string, resolveFrom: string): Array<{ name: string; dir: string }> {
  const require = createRequire(resolveFrom);
  const imports = new Map<string, string>();
  for (const m of configSource.matchAll(/import\s+(\w+)\s+from\s+["']([^"']+?)(?:\/convex\.config(?:\.js)?)?["']/g)) imports.set(m[1], m[2]);
  const found: Array<{ name: string; dir: string }> = [];
  for (const m of configSource.matchAll(/\.use\(\s*(\w+)\s*(?:,\s*\{[^}]*name:\s*["'](\w+)["'][^}]*\})?\s*\)/g)) {
    const spec = imports.get(m[1]);
    if (!spec) continue;
    const configPath = spec.startsWith(".")
      ? path.resolve(path.dirname(resolveFrom), spec)
      : require.resolve(`${spec}/convex.config.js`);
    // A component of the project itself is a folder holding convex.config.ts (or .js).
    const local = spec.startsWith(".") ? ["ts", "js"].map((ext) => path.join(configPath, `convex.config.${ext}`)).find((f) => existsSync(f)) : undefined;
    const file = local ?? (configPath.endsWith(".js") ? configPath : `${configPath}.js`);
    const source = readFileSync(file, "utf8");
    const name = m[2] ?? /defineComponent\(\s*["'](\w+)["']/.exec(source)?.[1];
    if (name) found.push({ name, dir: path.dirname(file) });
  }
  return found;
}

async function loadComponent(store: DocumentStore, componentPath: string, dir: string, outRoot: string, configFile: string | null): Promise<Component> {
  const files = (await listModules(dir)).filter((f) => !/^convex\.config\./.test(f) && !/^test\./.test(f));
  const modules = await bundle(dir, files, path.join(outRoot, componentPath || "app"));
  const component: Component = { path: componentPath, modules, children: new Map() };
  const schema = modules.get("schema")?.default as { export(): string } | undefined;
  if (schema) {
    const exported = JSON.parse(schema.export()) as {
      tables: Array<{ tableName: string; indexes: Array<{ indexDescriptor: string; fields: string[] }>; searchIndexes?: SchemaSearchIndex[]; documentType: ValidatorJson | null }>;
      schemaValidation: boolean;
    };
    for (const table of exported.tables) {
      const tableKey = `${componentPath}:${table.tableName}`;
      store.defineTable(tableKey, table.indexes.map((i) => ({ name: i.indexDescriptor, fields: i.fields })));
      defineSearchIndexes(store, tableKey, table.searchIndexes ?? []);
      if (exported.schemaValidation && table.documentType) documentValidators.set(tableKey, table.documentType);
    }
  }
  store.defineTable(`${componentPath}:_storage`, []);
  store.defineTable(`${componentPath}:_scheduled_functions`, [{ name: "by_scheduledTime", fields: ["scheduledTime"] }]);
  if (configFile && existsSync(configFile)) {
    for (const child of usedComponents(readFileSync(configFile, "utf8"), configFile)) {
      const childPath = componentPath ? `${componentPath}/${child.name}` : child.name;
      component.children.set(child.name, await loadComponent(store, childPath, child.dir, outRoot, path.join(child.dir, "convex.config.js")));
    }
  }
  return component;
}

export async function loadApp(store: DocumentStore, convexDir: string, cacheDir: string): Promise<LoadedApp> {
  documentValidators.clear();
  const outRoot = path.join(cacheDir, `build-${process.pid}-${++generation}`);
  const app = await loadComponent(store, "", convexDir, outRoot, path.join(convexDir, "convex.config.ts"));
  const crons = ((app.modules.get("crons")?.default as { crons?: Record<string, CronSpec> } | undefined)?.crons) ?? {};
  const http = (app.modules.get("http")?.default as HttpRouterLike | undefined) ?? null;
  const authConfig = (app.modules.get("auth.config")?.default as AuthConfig | undefined) ?? { providers: [] };
  // Older builds are not needed once the new one is loaded.
  for (const entry of await fs.readdir(cacheDir)) {
    if (entry.startsWith("build-") && path.join(cacheDir, entry) !== outRoot) await fs.rm(path.join(cacheDir, entry), { recursive: true, force: true });
  }
  return { app, crons, http, authConfig };
}
