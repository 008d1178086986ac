/**
 * Deployment environment variables: what `npx convex env set|get|list|remove` manage and what
 * functions read from `process.env` on Convex. Kept in the data folder (`env.json`, written
 * atomically) so they outlive restarts, and checked with Convex's rules
 * (crates/common/src/types/environment_variables.rs).
 *
 * One module for everyone who needs them: the admin API writes them, the runtime reads them
 * (`get`), and `onChange` listeners hear about every update (subscriptions re-run then, as on
 * Convex, since queries may read them).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export const MAX_ENV_NAME_LENGTH = 256;
export const MAX_ENV_VALUE_BYTES = 8 * 1024;
/** Convex's cap on the number of deployment variables. */
export const MAX_ENV_VARS = 1000;
const NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

export type EnvChange = { name: string; value: string | null };
export type EnvVar = { name: string; value: string };

/** A refused change, with Convex's error code. */
export class EnvVarError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function checkEnvName(name: string) {
  if (!NAME.test(name)) {
    throw new EnvVarError(
      "EnvironmentVariableNameInvalid",
      `The environment variable name ${name.slice(0, 300)} is invalid. Environment variable names must begin with a letter and may only include characters a-z, A-Z, 0-9, and underscores.`,
    );
  }
  if (name.length > MAX_ENV_NAME_LENGTH) {
    throw new EnvVarError(
      "EnvironmentVariableNameTooLong",
      `The environment variable name ${name.slice(0, 300)} is too long. Environment variable names must be less than ${MAX_ENV_NAME_LENGTH}.`,
    );
  }
}

export function checkEnvValue(value: string) {
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_ENV_VALUE_BYTES) {
    throw new EnvVarError(
      "EnvironmentVariableValueTooLarge",
      `The environment variable value is ${bytes} bytes, which is too large. (max size: ${MAX_ENV_VALUE_BYTES})`,
    );
  }
}

export class DeploymentEnv {
  private vars = new Map<string, string>();
  private listeners: Array<(changed: string[]) => void> = [];

  constructor(readonly file: string) {
    if (!existsSync(file)) return;
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    for (const [name, value] of Object.entries(parsed)) if (typeof value === "string") this.vars.set(name, value);
  }

  static inDataDir(dataDir: string) {
    return new DeploymentEnv(path.join(dataDir, "env.json"));
  }

  get(name: string): string | undefined {
    return this.vars.get(name);
  }

  /** Sorted by name, as Convex lists them. */
  list(): EnvVar[] {
    return [...this.vars].map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  onChange(listener: (changed: string[]) => void) {
    this.listeners.push(listener);
  }

  /** Applies every change or none (a value of null removes the variable). */
  update(changes: EnvChange[]) {
    const next = new Map(this.vars);
    for (const { name, value } of changes) {
      checkEnvName(name);
      if (value === null) next.delete(name);
      else {
        checkEnvValue(value);
        next.set(name, value);
      }
    }
    if (next.size > MAX_ENV_VARS)
      throw new EnvVarError("TooManyEnvironmentVariables", `A deployment can have at most ${MAX_ENV_VARS} environment variables.`);
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify(Object.fromEntries(next), null, 2), { mode: 0o600 });
    renameSync(temp, this.file);
    this.vars = next;
    const changed = changes.map((c) => c.name);
    for (const listener of this.listeners) listener(changed);
  }
}
