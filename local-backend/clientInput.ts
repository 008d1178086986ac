/**
 * What clients send, parsed before anything acts on it: the sync protocol's messages (as the
 * client's `browser/sync/protocol.ts` defines them) as one typed union, the body of the HTTP
 * function API, and function arguments. Every parser throws `ClientInputError` with a message
 * naming what is wrong; none reads a field it has not checked.
 */
import { v, jsonToConvex, type Infer, type JSONValue, type Value, type Validator, type GenericValidator } from "convex/values";
import { validate } from "convex-helpers/validators";

export class ClientInputError extends Error {}

const args = v.array(v.any());
const componentPath = v.optional(v.string());
const addQuery = v.object({
  type: v.literal("Add"),
  queryId: v.number(),
  udfPath: v.string(),
  args,
  journal: v.optional(v.union(v.string(), v.null())),
  componentPath,
});
const removeQuery = v.object({ type: v.literal("Remove"), queryId: v.number() });

const messageValidators = {
  Connect: v.object({
    type: v.literal("Connect"),
    sessionId: v.string(),
    connectionCount: v.optional(v.number()),
    lastCloseReason: v.optional(v.union(v.string(), v.null())),
    maxObservedTimestamp: v.optional(v.union(v.string(), v.null())),
    clientTs: v.optional(v.number()),
  }),
  ModifyQuerySet: v.object({
    type: v.literal("ModifyQuerySet"),
    baseVersion: v.number(),
    newVersion: v.number(),
    modifications: v.array(v.union(addQuery, removeQuery)),
  }),
  Authenticate: v.union(
    v.object({ type: v.literal("Authenticate"), tokenType: v.literal("User"), value: v.string(), baseVersion: v.number() }),
    v.object({ type: v.literal("Authenticate"), tokenType: v.literal("None"), baseVersion: v.number() }),
    v.object({
      type: v.literal("Authenticate"),
      tokenType: v.literal("Admin"),
      value: v.string(),
      baseVersion: v.number(),
      impersonating: v.optional(v.any()),
    }),
  ),
  Mutation: v.object({ type: v.literal("Mutation"), requestId: v.number(), udfPath: v.string(), args, componentPath }),
  Action: v.object({ type: v.literal("Action"), requestId: v.number(), udfPath: v.string(), args, componentPath }),
  Event: v.object({ type: v.literal("Event"), eventType: v.string(), event: v.optional(v.any()) }),
} satisfies Record<string, GenericValidator>;

export type ClientMessageType = keyof typeof messageValidators;
export type ClientMessage = { [K in ClientMessageType]: Infer<(typeof messageValidators)[K]> }[ClientMessageType];
export type QuerySetModification = Infer<typeof addQuery> | Infer<typeof removeQuery>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Query ids, request ids and versions: non-negative integers a client counts up. */
function requireCounter(value: number, what: string) {
  if (!Number.isSafeInteger(value) || value < 0) throw new ClientInputError(`${what} must be a non-negative integer`);
}

function checked<T>(validator: Validator<T, "required", string>, value: unknown, what: string): T {
  // Unknown fields are allowed (newer clients add some) and never read. A valid message is checked
  // without `throw`: with it, every union member a value is not (a "Remove" tried as an "Add", a
  // null journal tried as a string) builds a ValidationError, stack and all, on each message.
  if (validate(validator, value, { allowUnknownFields: true })) return value as T;
  try {
    validate(validator, value, { throw: true, allowUnknownFields: true });
  } catch (error) {
    throw new ClientInputError(`Malformed ${what}: ${(error as Error).message}`);
  }
  throw new ClientInputError(`Malformed ${what}`);
}

/** One WebSocket text frame → a client message, or ClientInputError. */
export function parseClientMessage(raw: string): ClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ClientInputError("Malformed message: not JSON");
  }
  if (!isRecord(json) || !Object.hasOwn(json, "type") || typeof json.type !== "string") {
    throw new ClientInputError("Malformed message: expected an object with a string `type`");
  }
  const type = json.type;
  if (!Object.hasOwn(messageValidators, type)) throw new ClientInputError(`Unknown message type ${JSON.stringify(type.slice(0, 40))}`);
  const message = checked(
    messageValidators[type as ClientMessageType] as Validator<ClientMessage, "required", string>,
    json,
    `${type} message`,
  );
  switch (message.type) {
    case "ModifyQuerySet":
      requireCounter(message.baseVersion, "baseVersion");
      requireCounter(message.newVersion, "newVersion");
      for (const mod of message.modifications) {
        requireCounter(mod.queryId, "queryId");
        if (mod.type === "Add") argsObject(mod.args);
      }
      break;
    case "Authenticate":
      requireCounter(message.baseVersion, "baseVersion");
      break;
    case "Mutation":
    case "Action":
      requireCounter(message.requestId, "requestId");
      argsObject(message.args);
      break;
    case "Connect":
    case "Event":
      break;
    default: {
      const unreachable: never = message;
      throw new ClientInputError(`Unknown message ${String(unreachable)}`);
    }
  }
  return message;
}

const functionRequest = v.object({ path: v.string(), args: v.optional(v.any()), componentPath, format: v.optional(v.string()) });
export type FunctionRequest = Infer<typeof functionRequest>;

/** The JSON body of POST /api/query|mutation|action|function. */
export function parseFunctionRequest(json: unknown): FunctionRequest {
  if (!isRecord(json)) throw new ClientInputError("Malformed request body: expected a JSON object with `path` and `args`");
  return checked(functionRequest, json, "request body");
}

/** The arguments as sent (`[argsObject]`, `argsObject` or nothing) → the one arguments object, still Convex JSON. */
export function argsObject(sent: unknown): Record<string, unknown> {
  if (Array.isArray(sent) && sent.length > 1) throw new ClientInputError("A function takes one arguments object");
  const object = (Array.isArray(sent) ? sent[0] : sent) ?? {};
  if (!isRecord(object)) throw new ClientInputError("A function's arguments must be an object");
  // Decoding would make a `__proto__` field the object's prototype, not a field: refused anywhere.
  forbidProtoKeys(object);
  return object;
}

/** A function's arguments as sent → Convex values. */
export function decodeArgs(sent: unknown): Record<string, Value> {
  const object = argsObject(sent);
  try {
    return jsonToConvex(object as JSONValue) as Record<string, Value>;
  } catch (error) {
    // Malformed Convex JSON ($-prefixed fields, bad $integer/$bytes) or nesting too deep to decode.
    throw new ClientInputError(`Invalid arguments: ${(error as Error).message}`);
  }
}

function forbidProtoKeys(root: unknown) {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== "object" || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key === "__proto__") throw new ClientInputError("Invalid arguments: the field name __proto__ is not allowed");
      pending.push((value as Record<string, unknown>)[key]);
    }
  }
}
