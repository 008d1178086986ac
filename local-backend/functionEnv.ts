/**
 * The environment functions see, as on Convex: deployment variables only (crates/common/src/types/
 * environment_variables.rs; the isolate's `process.env` answers from the deployment's variables,
 * udf-runtime setup.ts `setupMisc`) plus the system ones Convex adds, CONVEX_CLOUD_URL and
 * CONVEX_SITE_URL (crates/udf/src/environment.rs `system_env_vars`). Nothing of the
 * server's own process environment (HOME, PATH, LOCAL_BACKEND_*) reaches them.
 *
 * Deployment variables here are what `npx convex env set` stored (deploymentEnv.ts) over the
 * local defaults a fresh checkout needs: generated secrets and SITE_URL (never `.env.local`).
 */
import type { DeploymentEnv } from "./deploymentEnv";

export class FunctionEnv {
  private defaults: Record<string, string> = {};
  private system: Record<string, string> = {};
  private changes = 0;

  constructor(private readonly deployment: DeploymentEnv) {
    deployment.onChange(() => this.changes++);
  }

  /**
   * Changes with every change of any value: pool workers keep the values they read while it
   * stays the same (executor.ts), so reading `process.env` costs no message to the main thread.
   */
  get version(): number {
    return this.changes;
  }

  /** Values a local deployment starts with; variables set with `npx convex env set` win over them. */
  setDefaults(defaults: Record<string, string>) {
    this.defaults = { ...defaults };
    this.changes++;
  }

  setSystem(system: { CONVEX_CLOUD_URL: string; CONVEX_SITE_URL: string }) {
    this.system = { ...system };
    this.changes++;
  }

  get(name: string): string | undefined {
    if (Object.hasOwn(this.system, name)) return this.system[name];
    return this.deployment.get(name) ?? (Object.hasOwn(this.defaults, name) ? this.defaults[name] : undefined);
  }

  names(): string[] {
    return [...new Set([...Object.keys(this.system), ...Object.keys(this.defaults), ...this.deployment.list().map((e) => e.name)])];
  }
}

/**
 * "use node" actions run in this process (as Convex's Node runtime runs them in its own): while
 * one runs, `process.env` answers from the deployment's variables and refuses writes; the server's
 * own code, outside any function, keeps its real environment.
 */
export function isolateNodeEnv(env: FunctionEnv, inFunction: () => boolean) {
  current = { env, inFunction };
  if (installed) return;
  installed = true;
  const real = process.env;
  const active = () => (current?.inFunction() ? current.env : null);
  const refuse = (): boolean => {
    throw new TypeError("process.env is read-only: set deployment variables with `npx convex env set`.");
  };
  process.env = new Proxy(real, {
    get: (target, prop, receiver) => {
      const env = active();
      return env && typeof prop === "string" ? env.get(prop) : Reflect.get(target, prop, receiver);
    },
    has: (target, prop) => {
      const env = active();
      return env && typeof prop === "string" ? env.get(prop) !== undefined : Reflect.has(target, prop);
    },
    ownKeys: (target) => {
      const env = active();
      return env ? env.names().filter((name) => env.get(name) !== undefined) : Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor: (target, prop) => {
      const env = active();
      if (!env || typeof prop !== "string") return Reflect.getOwnPropertyDescriptor(target, prop);
      const value = env.get(prop);
      return value === undefined ? undefined : { value, writable: false, enumerable: true, configurable: true };
    },
    set: (target, prop, value) => (active() ? refuse() : Reflect.set(target, prop, value)),
    deleteProperty: (target, prop) => (active() ? refuse() : Reflect.deleteProperty(target, prop)),
    defineProperty: (target, prop, descriptor) => (active() ? refuse() : Reflect.defineProperty(target, prop, descriptor)),
  });
}
let installed = false;
let current: { env: FunctionEnv; inFunction: () => boolean } | null = null;
