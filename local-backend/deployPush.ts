/**
 * `npx convex dev` / `npx convex deploy` against the embedded backend, as a self-hosted Convex
 * deployment answers them (crates/local_backend/src/deploy_config2.rs, crates/application/src/
 * deploy_config.rs): start_push evaluates the pushed code (modules bundled by the CLI, component
 * definitions, schemas) without touching what is serving, runs the push checks and validates the
 * new schemas against the stored documents; wait_for_schema reports that outcome; finish_push
 * re-checks the documents and swaps the new app in (schema, indexes, crons, components), then
 * keeps it in the data folder so a restart serves the same code. A refused push changes nothing.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import path from "node:path";
import type { Engine } from "./engine";
import type { Component } from "./exec";
import type { DocumentStore } from "./database";
import type { RuntimeHost } from "./defaultRuntime";
import type { DeploymentEnv } from "./deploymentEnv";
import { componentFromModules, exportedSchema, prepareApp, type ExportedSchema, type LoadedApp } from "./loader";
import { analyzeModules, fileBasedExports, indexDiff, udfConfig, type AnalyzedModule, type IndexDiff } from "./pushAnalysis";
import {
  evaluateDefinition,
  evaluateModules,
  moduleNameOf,
  type DefinitionMetadata,
  type Namespaces,
  type PushedModule,
} from "./pushedModules";
import type { ModuleConfig, StartPushRequest } from "./pushRequest";
import { firstSchemaViolation, type SchemaFailure } from "./schemaCheck";
import { ComponentTypecheckError, envBindings, envDeclarations, resolveChildEnv, type ComponentEnvBinding } from "./componentEnv";
import { checkHttpMounts, childMounts, normalizeHttpPrefix } from "./httpRouting";

/** A component check Convex refuses with `TypecheckError` (400), as a refused push. */
function typecheck<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ComponentTypecheckError) throw new PushRefused(error.code, error.message);
    throw error;
  }
}

export type PushDeps = {
  store: DocumentStore;
  engine: Engine;
  env: DeploymentEnv;
  dataDir: string;
  /** Where "use node" modules find `node.externalPackages` (the project's node_modules). */
  nodeModulesDir: string | null;
  runtime: RuntimeHost;
  /** Makes `loaded` the serving app; `commit` puts its schema in place (call both under the engine's lock). */
  install(loaded: LoadedApp, commit: () => void): Promise<void>;
};

/** A push refused for what it contains (HTTP 400 with Convex's code). */
export class PushRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The CLI's hash of a module (src/cli/lib/components.ts `hash`). */
const moduleHash = (m: ModuleConfig) =>
  createHash("sha256")
    .update(m.source)
    .update(m.sourceMap ?? "")
    .digest("hex");

/** A push as kept in the data folder: every module's source, no admin key. */
type StoredPush = Omit<StartPushRequest, "adminKey" | "dryRun">;

type Instance = { componentPath: string; definitionPath: string; namespaces: Namespaces; schema: ExportedSchema | null };

type Candidate = {
  pushId: string;
  push: StoredPush;
  loaded: LoadedApp;
  commit: () => void;
  instances: Instance[];
  failure: SchemaFailure | null;
  indexDiffs: Record<string, IndexDiff>;
  /** Each definition's evaluated convex.config, by definition path ("" is the app). */
  metadata: Map<string, DefinitionMetadata & { path: string }>;
  buildDir: string;
};

const STORED = "app.json";

export class PushService {
  private pending: Candidate | null = null;
  private generation = 0;
  private readonly dir: string;

  constructor(private readonly deps: PushDeps) {
    this.dir = path.join(deps.dataDir, "push");
  }

  private stored(): StoredPush | null {
    const file = path.join(this.dir, STORED);
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as StoredPush) : null;
  }

  /** /api/get_config_hashes: what was pushed last, so the CLI sends only modules that changed. */
  configHashes() {
    const current = this.stored();
    return {
      config: { functions: current?.functions ?? "convex/", authInfo: [] },
      moduleHashes: (current?.appDefinition.changedModules ?? []).map((m) => ({
        path: m.path,
        environment: m.environment,
        hash: moduleHash(m),
      })),
      nodeDependencies: current?.nodeDependencies ?? [],
      udfServerVersion: current?.appDefinition.udfServerVersion ?? null,
    };
  }

  /** The app's modules: those sent, and those the CLI found unchanged taken from the last push. */
  private resolveModules(request: StartPushRequest): ModuleConfig[] {
    const previous = new Map((this.stored()?.appDefinition.changedModules ?? []).map((m) => [m.path, m]));
    const unchanged = request.appDefinition.unchangedModuleHashes.map((h) => {
      const m = previous.get(h.path);
      if (!m || m.environment !== h.environment || moduleHash(m) !== h.sha256)
        throw new PushRefused("ModuleNotFound", `Module ${h.path} is not on the deployment; push again with --push-all-modules.`);
      return m;
    });
    return [...request.appDefinition.changedModules, ...unchanged];
  }

  /** /api/deploy2/evaluate_push: what a push would change (its index diffs), kept nowhere. */
  async evaluatePush(request: StartPushRequest) {
    const buildDir = path.join(this.dir, `build-${process.pid}-${++this.generation}`);
    try {
      const candidate = await this.evaluate(this.storedPushOf(request), buildDir);
      return { schemaChange: { allocatedComponentIds: {}, schemaIds: {}, indexDiffs: candidate.indexDiffs } };
    } finally {
      await fs.rm(buildDir, { recursive: true, force: true });
    }
  }

  private storedPushOf(request: StartPushRequest): StoredPush {
    return {
      functions: request.functions,
      appDefinition: { ...request.appDefinition, changedModules: this.resolveModules(request), unchangedModuleHashes: [] },
      componentDefinitions: request.componentDefinitions,
      nodeDependencies: request.nodeDependencies,
      nodeVersion: request.nodeVersion,
    };
  }

  /** Evaluates a push into an app that is not serving yet, with its analysis for the CLI. */
  async startPush(request: StartPushRequest) {
    const push = this.storedPushOf(request);
    const buildDir = path.join(this.dir, `build-${process.pid}-${++this.generation}`);
    let candidate: Candidate;
    try {
      candidate = await this.evaluate(push, buildDir);
    } catch (error) {
      await fs.rm(buildDir, { recursive: true, force: true });
      throw error;
    }
    if (this.pending) await fs.rm(this.pending.buildDir, { recursive: true, force: true });
    this.pending = candidate;
    return this.startPushResponse(candidate, push);
  }

  private async evaluate(push: StoredPush, buildDir: string): Promise<Candidate> {
    const { runtime, store } = this.deps;
    const definitions = new Map<string, { definition: ModuleConfig | null; dependencies: string[]; modules: ModuleConfig[] }>();
    definitions.set("", {
      definition: push.appDefinition.definition,
      dependencies: push.appDefinition.dependencies,
      modules: [...push.appDefinition.changedModules, ...(push.appDefinition.schema ? [push.appDefinition.schema] : [])],
    });
    for (const c of push.componentDefinitions) {
      if (c.definitionPath === "" || definitions.has(c.definitionPath))
        throw new PushRefused("InvalidConfig", `Component definition ${JSON.stringify(c.definitionPath)} is pushed twice.`);
      definitions.set(c.definitionPath, {
        definition: c.definition,
        dependencies: c.dependencies,
        modules: [...c.functions, ...(c.schema ? [c.schema] : [])],
      });
    }

    // Definitions, children first (a convex.config imports its children's definitions).
    const metadata = new Map<string, DefinitionMetadata & { path: string }>();
    const visiting = new Set<string>();
    const evaluateDef = async (defPath: string): Promise<DefinitionMetadata & { path: string }> => {
      const done = metadata.get(defPath);
      if (done) return done;
      const def = definitions.get(defPath);
      if (!def) throw new PushRefused("InvalidConfig", `Component definition ${JSON.stringify(defPath)} is used but was not pushed.`);
      if (visiting.has(defPath)) throw new PushRefused("InvalidConfig", `Component definition ${JSON.stringify(defPath)} uses itself.`);
      visiting.add(defPath);
      for (const dep of def.dependencies) await evaluateDef(dep);
      const evaluated: DefinitionMetadata = def.definition
        ? await evaluateDefinition(def.definition as PushedModule, metadata, runtime)
        : { definitionType: { type: "app" }, childComponents: [], httpMounts: {}, exports: { type: "branch", branch: [] } };
      if ((defPath === "") !== (evaluated.definitionType.type === "app"))
        throw new PushRefused(
          "InvalidConfig",
          `${defPath || "The app"}'s convex.config must use ${defPath ? "defineComponent" : "defineApp"}().`,
        );
      const entry = { ...evaluated, path: defPath };
      metadata.set(defPath, entry);
      visiting.delete(defPath);
      return entry;
    };
    await evaluateDef("");

    // Instances: the app and every mounted component, each with its own modules evaluated.
    const apply: Array<() => void> = [];
    const instances: Instance[] = [];
    const instantiate = async (
      componentPath: string,
      defPath: string,
      depth: number,
      placed: { env: Map<string, ComponentEnvBinding>; siteMount?: string },
    ): Promise<Component> => {
      if (depth > 16) throw new PushRefused("InvalidConfig", "Components are nested more than 16 deep.");
      const def = definitions.get(defPath)!;
      const outDir = path.join(buildDir, componentPath === "" ? "app" : `components/${componentPath}`);
      const { namespaces, bundle, nodeModules } = await evaluateModules(
        def.modules as PushedModule[],
        outDir,
        this.deps.nodeModulesDir,
        runtime,
      );
      const component = componentFromModules(store, componentPath, namespaces, apply);
      // What the execution pools' workers load: pushed functions run there, as the folder loader's do.
      if (bundle) component.bundle = bundle;
      component.nodeModules = nodeModules;
      instances.push({ componentPath, definitionPath: defPath, namespaces, schema: exportedSchema(namespaces) });
      const meta = await evaluateDef(defPath);
      if (componentPath !== "") {
        component.env = placed.env;
        if (placed.siteMount !== undefined) component.siteMount = placed.siteMount;
      } else if (typeof meta.httpPrefix === "string") component.httpPrefix = normalizeHttpPrefix(meta.httpPrefix);
      const mountOf = childMounts(meta.httpMounts);
      const declarations = typecheck(() => envDeclarations(meta.envVars));
      for (const child of meta.childComponents) {
        // crates/common/src/components/mod.rs: a component name is an identifier (it also names folders here).
        if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(child.name))
          throw new PushRefused(
            "InvalidComponentName",
            `Invalid component name: ${JSON.stringify(child.name.slice(0, 100))}. Names must be identifiers.`,
          );
        if (component.children.has(child.name))
          throw new PushRefused("InvalidConfig", `Component name ${JSON.stringify(child.name)} is used twice in ${defPath || "the app"}.`);
        const childPath = componentPath ? `${componentPath}/${child.name}` : child.name;
        const childMeta = await evaluateDef(child.path);
        const env = typecheck(() =>
          resolveChildEnv(childPath, envDeclarations(childMeta.envVars), envBindings(child.env), {
            declarations,
            resolved: componentPath === "" ? null : placed.env,
          }),
        );
        // type_checking.rs: a child's mount is absolute; below the app it is placed under its parent's.
        const mount = mountOf.get(child.name);
        const siteMount =
          mount === undefined
            ? undefined
            : componentPath !== "" && placed.siteMount
              ? `${placed.siteMount.replace(/\/+$/, "")}${mount}`
              : mount;
        component.children.set(child.name, await instantiate(childPath, child.path, depth + 1, { env, siteMount }));
      }
      component.httpMounts = typecheck(() => checkHttpMounts(mountOf, component));
      return component;
    };
    const app = await instantiate("", "", 0, { env: new Map() });
    const { loaded, commit } = prepareApp(app, apply);

    const failure = this.schemaFailure(instances);
    const indexDiffs: Record<string, IndexDiff> = {};
    for (const i of instances) indexDiffs[i.componentPath] = indexDiff(this.servingSchema(i.componentPath), i.schema);
    return { pushId: randomUUID(), push, loaded, commit, instances, failure, indexDiffs, metadata, buildDir };
  }

  private schemaFailure(instances: Instance[]): SchemaFailure | null {
    for (const i of instances) {
      const failure = firstSchemaViolation(this.deps.store, i.componentPath, i.schema);
      if (failure) return failure;
    }
    return null;
  }

  private servingComponent(componentPath: string): Component | null {
    try {
      return this.deps.engine.component(componentPath);
    } catch {
      return null;
    }
  }

  private servingSchema(componentPath: string): ExportedSchema | null {
    const component = this.servingComponent(componentPath);
    return component ? exportedSchema(component.modules) : null;
  }

  private startPushResponse(candidate: Candidate, push: StoredPush) {
    const metadata = candidate.metadata;
    const analysis: Record<string, unknown> = {};
    const functionsByDefinition = new Map<string, Record<string, AnalyzedModule>>();
    for (const i of candidate.instances) {
      if (!functionsByDefinition.has(i.definitionPath)) functionsByDefinition.set(i.definitionPath, analyzeModules(i.namespaces));
    }
    for (const [defPath, meta] of metadata) {
      const functions = functionsByDefinition.get(defPath) ?? {};
      const schema = candidate.instances.find((i) => i.definitionPath === defPath)?.schema ?? null;
      const { name: _name, ...definition } = meta;
      analysis[defPath] = {
        definition: defPath === "" ? definition : { ...definition, exports: fileBasedExports(functions) },
        schema,
        functions,
        udfConfig: udfConfig(push.appDefinition.udfServerVersion),
      };
    }
    // type_checking.rs `SerializedCheckedComponent`: each instance with its prefix, env, routes and mounts.
    const checked = (component: Component, defPath: string): Record<string, unknown> => {
      const router = component.modules.get("http")?.default as { getRoutes?: () => Array<[string, string, unknown]> } | undefined;
      return {
        definitionPath: defPath,
        componentPath: component.path,
        httpPrefix: (component.path === "" ? component.httpPrefix : component.siteMount) ?? null,
        args: {},
        env: Object.fromEntries(component.env ?? []),
        childComponents: Object.fromEntries(
          (metadata.get(defPath)?.childComponents ?? []).flatMap((c) => {
            const child = component.children.get(c.name);
            return child ? [[c.name, checked(child, c.path)]] : [];
          }),
        ),
        httpRoutes: {
          httpModuleRoutes: router?.getRoutes ? router.getRoutes().map(([p, method]) => ({ path: p, method })) : null,
          mounts: [...(component.httpMounts?.keys() ?? [])],
        },
        exports: {},
      };
    };
    return {
      environmentVariables: Object.fromEntries(this.deps.env.list().map((e) => [e.name, e.value])),
      externalDepsId: null,
      componentDefinitionPackages: {},
      appAuth: candidate.loaded.authConfig.providers,
      analysis,
      app: checked(candidate.loaded.app, ""),
      schemaChange: {
        allocatedComponentIds: {},
        schemaIds: { pushId: candidate.pushId },
        indexDiffs: candidate.indexDiffs,
      },
    };
  }

  private pendingFor(schemaIds: unknown): Candidate | null {
    const pushId = (schemaIds as { pushId?: unknown } | null)?.pushId;
    return this.pending && this.pending.pushId === pushId ? this.pending : null;
  }

  /** /api/deploy2/wait_for_schema: the schema check's outcome (it ran in start_push). */
  waitForSchema(schemaIds: unknown) {
    const candidate = this.pendingFor(schemaIds);
    if (!candidate) return { type: "raceDetected" as const };
    if (candidate.failure) return { type: "failed" as const, ...candidate.failure };
    return { type: "complete" as const };
  }

  /** /api/deploy2/finish_push: the evaluated push becomes the serving app and is kept in the data folder. */
  async finishPush(schemaIds: unknown, dryRun: boolean) {
    const candidate = this.pendingFor(schemaIds);
    if (!candidate) throw new PushRefused("RaceDetected", "Schema was overwritten by another push.");
    const diff = this.finishDiff(candidate);
    if (dryRun) {
      this.pending = null;
      await fs.rm(candidate.buildDir, { recursive: true, force: true });
      return { authDiff: { added: [], removed: [] }, definitionDiffs: {}, componentDiffs: {} };
    }
    if (candidate.failure) throw new PushRefused("SchemaValidationFailed", candidate.failure.error);
    await this.deps.engine.serial(async () => {
      // Documents written since start_push are checked too: nothing the new schema refuses is kept.
      const failure = this.schemaFailure(candidate.instances);
      if (failure) throw new PushRefused("SchemaValidationFailed", failure.error);
    });
    await this.deps.install(candidate.loaded, candidate.commit);
    this.pending = null;
    await fs.mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, STORED);
    await fs.writeFile(`${file}.tmp`, JSON.stringify(candidate.push));
    await fs.rename(`${file}.tmp`, file);
    await this.removeBuildsExcept(candidate.buildDir);
    return diff;
  }

  private finishDiff(candidate: Candidate) {
    const previous = new Map<string, Component>();
    const walk = (c: Component) => {
      previous.set(c.path, c);
      for (const child of c.children.values()) walk(child);
    };
    walk(this.deps.engine.app);
    const componentDiffs: Record<string, unknown> = {};
    const oldCrons = Object.keys(
      (this.deps.engine.app.modules.get("crons")?.default as { crons?: Record<string, unknown> } | undefined)?.crons ?? {},
    );
    const newCrons = Object.keys(candidate.loaded.crons);
    for (const i of candidate.instances) {
      const before = previous.get(i.componentPath);
      const oldModules = new Set(before ? [...before.modules.keys()] : []);
      const newModules = new Set([...i.namespaces.keys()]);
      componentDiffs[i.componentPath] = {
        diffType: { type: before || i.componentPath === "" ? "modify" : "create" },
        moduleDiff: {
          added: [...newModules].filter((m) => !oldModules.has(m)).map((m) => `${moduleNameOf(m)}.js`),
          removed: [...oldModules].filter((m) => !newModules.has(m)).map((m) => `${moduleNameOf(m)}.js`),
        },
        udfConfigDiff: null,
        cronDiff:
          i.componentPath === ""
            ? { added: newCrons.filter((c) => !oldCrons.includes(c)), updated: [], deleted: oldCrons.filter((c) => !newCrons.includes(c)) }
            : { added: [], updated: [], deleted: [] },
        indexDiff: candidate.indexDiffs[i.componentPath],
        schemaDiff: null,
      };
    }
    for (const componentPath of previous.keys()) {
      if (candidate.instances.some((i) => i.componentPath === componentPath)) continue;
      componentDiffs[componentPath] = {
        diffType: { type: "unmount" },
        moduleDiff: { added: [], removed: [] },
        udfConfigDiff: null,
        cronDiff: { added: [], updated: [], deleted: [] },
        indexDiff: { added_indexes: [], removed_indexes: [] },
        schemaDiff: null,
      };
    }
    return { authDiff: { added: [], removed: [] }, definitionDiffs: {}, componentDiffs };
  }

  private async removeBuildsExcept(keep: string) {
    if (!existsSync(this.dir)) return;
    for (const entry of await fs.readdir(this.dir)) {
      const full = path.join(this.dir, entry);
      if (entry.startsWith("build-") && full !== keep) await fs.rm(full, { recursive: true, force: true });
    }
  }

  /** At start: the last pushed app, evaluated again and made the serving app; false (an empty app) when nothing was pushed. */
  async restore(): Promise<boolean> {
    const push = this.stored();
    if (!push) {
      // An app with no functions yet: its system tables (_storage, _scheduled_functions) exist all the same.
      const apply: Array<() => void> = [];
      const { loaded, commit } = prepareApp(componentFromModules(this.deps.store, "", new Map(), apply), apply);
      await this.deps.install(loaded, commit);
      return false;
    }
    const candidate = await this.evaluate(push, path.join(this.dir, `build-${process.pid}-${++this.generation}`));
    await this.deps.install(candidate.loaded, candidate.commit);
    await this.removeBuildsExcept(candidate.buildDir);
    return true;
  }
}
