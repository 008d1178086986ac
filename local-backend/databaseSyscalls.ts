/**
 * The database's syscalls (convex/server database_impl.ts): a document by id, a table's count,
 * and the writes (insert, patch, replace, delete), each checked against Convex's limits and the
 * schema before it lands in the execution's transaction.
 */
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { Doc } from "./database";
import type { Exec } from "./exec";
import { FunctionError } from "./functionError";
import { documentValidationError, showValue } from "./schemaValidationError";
import { splitTableKey } from "./tableKeys";
import type { ValidatorJson } from "./validate";
import { checkDocument, storedDocumentSize } from "./valueLimits";
import { overloaded, userOcc, type SystemError } from "./systemErrors";
import { jsonResult, systemTableGuard, withinLimits, type SyscallArgs, type SyscallContext, type SyscallTable } from "./syscallContext";

/** Schema document validators by table key, set by the loader. */
export const documentValidators = new Map<string, ValidatorJson>();

export function databaseSyscalls(ctx: SyscallContext): { sync: SyscallTable<string>; async: SyscallTable<Promise<string>> } {
  const { store } = ctx;

  function checkSchema(exec: Exec, tableKey: string, doc: Doc) {
    const validator = documentValidators.get(tableKey);
    if (!validator) {
      const table = splitTableKey(tableKey)[1];
      if (!table.startsWith("_") && documentValidators.size > 0 && !documentValidators.has(tableKey)) {
        throw new FunctionError(`Table "${table}" is not in the schema.`);
      }
      return;
    }
    const problem = documentValidationError(validator, doc as Record<string, Value>, (id) => ctx.host.tableNameOf(exec.componentPath, id));
    if (problem) {
      throw new FunctionError(
        `Failed to insert or update a document in table "${splitTableKey(tableKey)[1]}" because it does not match the schema: ${problem}`,
      );
    }
  }

  /**
   * crates/common/src/document.rs `ResolvedDocument::new`: a value that names `_id` or
   * `_creationTime` itself must give the document's own (an insert never can).
   */
  function checkGivenSystemFields(given: Record<string, Value>, doc: Doc) {
    if (given._id !== undefined && given._id !== doc._id)
      throw new FunctionError(`Provided document ID ${showValue(doc._id)} doesn't match '_id' field ${showValue(given._id)}`);
    if (given._creationTime !== undefined && given._creationTime !== doc._creationTime)
      throw new FunctionError(
        // CreationTime's Debug is its f64's Display (no ".0"); the value is shown with its _id.
        `Provided creation time ${String(doc._creationTime)} doesn't match '_creationTime' field in ${showValue({ ...given, _id: doc._id })}`,
      );
  }

  function write(exec: Exec, tableKey: string, doc: Doc, previous: Doc | null) {
    withinLimits(() => exec.usage.write(checkDocument(doc as Record<string, Value>)));
    checkSchema(exec, tableKey, doc);
    ctx.put(exec, tableKey, doc, previous);
  }

  /** patch (shallowMerge) or replace of a document of the execution's own component. */
  function update(exec: Exec, args: SyscallArgs, how: "shallowMerge" | "replace") {
    ctx.requireWrite(exec);
    const found = ctx.ownDoc(exec, args.id);
    if (!found) throw new FunctionError(`Update on nonexistent document ID ${args.id}`);
    const { tableKey, doc: previous } = found;
    systemTableGuard(tableKey, false);
    let doc: Doc;
    if (how === "replace") {
      doc = { ...(jsonToConvex(args.value) as Record<string, Value>), _id: previous._id, _creationTime: previous._creationTime } as Doc;
    } else {
      doc = { ...previous };
      for (const [field, raw] of Object.entries(args.value as Record<string, JSONValue>)) {
        if (field === "_id" || field === "_creationTime") continue;
        if (raw !== null && typeof raw === "object" && "$undefined" in raw) delete doc[field];
        else doc[field] = jsonToConvex(raw);
      }
    }
    write(exec, tableKey, doc, previous);
    return JSON.stringify({});
  }

  return {
    sync: {
      "1.0/db/normalizeId": (exec, args) => {
        const tableKey = store.tableOfId(args.idString);
        return JSON.stringify({ id: tableKey === ctx.key(exec, args.table) ? args.idString : null });
      },
      "1.0/getSnapshotTs": () => JSON.stringify(convexToJson(BigInt(Date.now()) as Value)),
      // Convex's own test syscalls for system errors (crates/isolate/src/environment/udf/syscall.rs):
      // the query or mutation then fails with that error, whatever its code makes of the exception.
      throwOcc: (exec) => raiseSystemError(exec, userOcc(null)),
      throwOverloaded: (exec) => raiseSystemError(exec, overloaded()),
    },
    async: {
      "1.0/get": async (exec, args) => {
        const tableKey = store.tableOfId(args.id);
        if (!tableKey || splitTableKey(tableKey)[0] !== exec.componentPath) return "null";
        if (typeof args.isSystem === "boolean") systemTableGuard(tableKey, args.isSystem);
        exec.reads.point(tableKey, args.id);
        withinLimits(() => exec.usage.range());
        if (args.table && splitTableKey(tableKey)[1] !== args.table) return "null";
        const found = ctx.docsOf(exec).getJson(args.id);
        if (found) withinLimits(() => exec.usage.read(storedDocumentSize(found)));
        return found ?? "null";
      },
      "1.0/count": async (exec, args) => {
        const tableKey = ctx.key(exec, args.table);
        exec.reads.table(tableKey);
        return jsonResult(ctx.docsOf(exec).count(tableKey));
      },
      "1.0/insert": async (exec, args) => {
        ctx.requireWrite(exec);
        const tableKey = ctx.key(exec, args.table);
        if (args.table.startsWith("_")) throw new FunctionError(`System table ${args.table} is read-only.`);
        const value = jsonToConvex(args.value) as Record<string, Value>;
        const doc = { ...value, _id: store.newId(tableKey), _creationTime: store.nextCreationTime() } as Doc;
        checkGivenSystemFields(value, doc);
        write(exec, tableKey, doc, null);
        return JSON.stringify({ _id: doc._id });
      },
      "1.0/shallowMerge": async (exec, args) => update(exec, args, "shallowMerge"),
      "1.0/replace": async (exec, args) => update(exec, args, "replace"),
      "1.0/remove": async (exec, args) => {
        ctx.requireWrite(exec);
        const found = ctx.ownDoc(exec, args.id);
        if (!found) throw new FunctionError(`Delete on nonexistent document ID ${args.id}`);
        systemTableGuard(found.tableKey, false);
        withinLimits(() => exec.usage.write(0));
        ctx.remove(exec, found.tableKey, found.doc);
        return JSON.stringify({});
      },
    },
  };
}

/** A system error raised by a query or mutation's syscall: kept on the execution, which then fails with it (engine.ts). */
function raiseSystemError(exec: Exec, error: SystemError): never {
  if (exec.type !== "query" && exec.type !== "mutation")
    throw new FunctionError(`The local backend does not support this syscall in an ${exec.type}.`);
  exec.systemError = error;
  throw error;
}
