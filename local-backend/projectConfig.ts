/**
 * The project's `convex.json`, as the `convex` CLI reads it (src/cli/lib/config.ts
 * `readProjectConfig`): `functions` names the functions folder (default `convex/`), and
 * `node.externalPackages` the packages "use node" modules import at run time instead of
 * bundling ("*": every package). Without the file, the defaults.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export type ProjectConfig = { functionsDir: string; externalPackages: string[] };

export class ProjectConfigError extends Error {}

export function readProjectConfig(projectDir: string): ProjectConfig {
  const file = path.join(projectDir, "convex.json");
  if (!existsSync(file)) return { functionsDir: path.join(projectDir, "convex"), externalPackages: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ProjectConfigError(`Error: Parsing "${file}" failed: ${(error as Error).message}`);
  }
  const config = (parsed ?? {}) as { functions?: unknown; node?: { externalPackages?: unknown } };
  if (config.functions !== undefined && typeof config.functions !== "string")
    throw new ProjectConfigError(`Error: Parsing "${file}" failed: Expected \`functions\` to be a string`);
  const external = config.node?.externalPackages ?? [];
  if (!Array.isArray(external) || external.some((p) => typeof p !== "string"))
    throw new ProjectConfigError(`Error: Parsing "${file}" failed: Expected \`node.externalPackages\` to be an array of strings`);
  return { functionsDir: path.join(projectDir, config.functions ?? "convex"), externalPackages: external as string[] };
}
