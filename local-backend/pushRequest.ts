/**
 * The bodies of the `convex` CLI's push requests (src/cli/lib/deployApi/startPush.ts,
 * definitionConfig.ts, modules.ts), validated before anything is evaluated. start_push,
 * evaluate_push and finish_push bodies come brotli-compressed (`Content-Encoding: br`).
 */
import type { IncomingMessage } from "node:http";
import { brotliDecompressSync } from "node:zlib";
import { v, type Infer } from "convex/values";
import { validate } from "convex-helpers/validators";
import { HttpError, readBody } from "./httpInput";

const moduleConfig = v.object({
  path: v.string(),
  source: v.string(),
  sourceMap: v.optional(v.string()),
  environment: v.union(v.literal("isolate"), v.literal("node")),
});
const moduleHash = v.object({ path: v.string(), environment: v.union(v.literal("isolate"), v.literal("node")), sha256: v.string() });

export const startPushRequest = v.object({
  adminKey: v.string(),
  dryRun: v.boolean(),
  functions: v.string(),
  appDefinition: v.object({
    definition: v.union(moduleConfig, v.null()),
    dependencies: v.array(v.string()),
    schema: v.union(moduleConfig, v.null()),
    changedModules: v.array(moduleConfig),
    unchangedModuleHashes: v.array(moduleHash),
    udfServerVersion: v.string(),
  }),
  componentDefinitions: v.array(
    v.object({
      definitionPath: v.string(),
      definition: moduleConfig,
      dependencies: v.array(v.string()),
      schema: v.union(moduleConfig, v.null()),
      functions: v.array(moduleConfig),
      udfServerVersion: v.string(),
    }),
  ),
  nodeDependencies: v.array(v.object({ name: v.string(), version: v.string() })),
  nodeVersion: v.optional(v.union(v.string(), v.null())),
});
export type StartPushRequest = Infer<typeof startPushRequest>;
export type ModuleConfig = Infer<typeof moduleConfig>;

export const waitForSchemaRequest = v.object({
  adminKey: v.optional(v.string()),
  schemaChange: v.object({ schemaIds: v.optional(v.any()) }),
  timeoutMs: v.optional(v.number()),
  dryRun: v.optional(v.boolean()),
});
export const finishPushRequest = v.object({
  adminKey: v.string(),
  startPush: v.object({ schemaChange: v.object({ schemaIds: v.optional(v.any()) }) }),
  dryRun: v.boolean(),
  message: v.optional(v.union(v.string(), v.null())),
});

/** Pushes carry every module's source: compressed up to 64 MiB, 512 MiB once decompressed. */
const PUSH_BODY_LIMIT = 64 << 20;
const PUSH_JSON_LIMIT = 512 << 20;

export async function readPushBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(
    req,
    PUSH_BODY_LIMIT,
    () => new HttpError(413, "TooLarge", "Push request too large (limit 64 MiB compressed)"),
  );
  let text: string;
  try {
    text = (req.headers["content-encoding"] === "br" ? brotliDecompressSync(raw, { maxOutputLength: PUSH_JSON_LIMIT }) : raw).toString(
      "utf8",
    );
  } catch {
    throw new HttpError(400, "BadRequest", "The push request body does not decompress (Content-Encoding: br).");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "BadJsonBody", "Malformed JSON body");
  }
}

/** `value` as `validator` describes it, or a 400 naming what is wrong. */
export function parsed<T>(validator: Parameters<typeof validate>[0], value: unknown): T {
  try {
    validate(validator, value, { throw: true, allowUnknownFields: true });
  } catch (error) {
    throw new HttpError(400, "InvalidConfig", `Malformed push request: ${(error as Error).message}`);
  }
  return value as T;
}
