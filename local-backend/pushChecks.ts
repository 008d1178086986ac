/**
 * What `npx convex deploy` refuses before any of the new code runs, with Convex's codes and
 * messages: table and index names (crates/convex/sync_types/src/identifier.rs
 * `check_valid_identifier`, crates/common/src/schemas/json.rs, crates/common/src/types/index.rs
 * `IndexDescriptor::is_reserved`), index fields (bootstrap_model/index/database_index/
 * indexed_fields.rs, crates/application/src/lib.rs `_validate_user_defined_index_fields`; messages in
 * bootstrap_model/index/index_validation_error.rs) and crons (crates/application/src/
 * application_function_runner/mod.rs `validate_cron_jobs`). The loader checks before it changes
 * anything, so a refused push leaves the last good version serving.
 */
const MAX_IDENTIFIER_LEN = 64;
/** bootstrap_model/index/mod.rs MAX_INDEX_FIELDS_SIZE. */
export const MAX_INDEX_FIELDS = 16;

export class PushError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const isIdentifier = (s: string) => s.length <= MAX_IDENTIFIER_LEN && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && /[A-Za-z0-9]/.test(s);

/** crates/common/src/schemas/mod.rs `MAX_INDEXES_PER_TABLE`: database, search and vector indexes together. */
export const MAX_INDEXES_PER_TABLE = 64;

/** bootstrap_model/index/mod.rs `MAX_TEXT_INDEX_FILTER_FIELDS_SIZE`, `MAX_VECTOR_INDEX_FILTER_FIELDS_SIZE`. */
export const MAX_FILTER_FIELDS = 16;

type ExportedIndex = { indexDescriptor: string; fields: string[] };
/** A search or vector index as the schema exports it. */
type ExportedFilteredIndex = { indexDescriptor: string; filterFields?: string[] };
export type ExportedTable = {
  tableName: string;
  indexes: ExportedIndex[];
  stagedDbIndexes?: ExportedIndex[];
  searchIndexes?: ExportedFilteredIndex[];
  stagedSearchIndexes?: ExportedFilteredIndex[];
  // Typed loosely by the loader (it does not read them): the export gives the same fields.
  vectorIndexes?: unknown[];
  stagedVectorIndexes?: unknown[];
};

const reservedIndexName = (name: string) => name === "by_id" || name === "by_creation_time" || name.startsWith("_");
const invalidIndexName = (name: string) =>
  new PushError(
    "InvalidIndexName",
    `Invalid index name: "${name}". Identifiers must be 64 characters or less, start with a letter, and only contain letters, digits, underscores.`,
  );
const reservedIndexNameError = (tableName: string, name: string) =>
  new PushError(
    "IndexNameReserved",
    `In table "${tableName}" cannot name an index "${name}" because the name is reserved. Indexes may not start with an underscore or be named "by_id" or "by_creation_time".`,
  );

/**
 * Search and vector indexes (crates/common/src/schemas/mod.rs `TextIndexSchema::new`,
 * `VectorIndexSchema::new`: at most 16 filter fields, the error prefixed with the table as
 * json.rs `parse_names_and_indexes` does), and their names, checked with the database indexes'
 * (json.rs: every index name of the table, of whatever kind, is valid, unreserved and unique).
 */
function checkFilteredIndexes(table: ExportedTable, names: Set<string>): void {
  const { tableName } = table;
  const search = [...(table.searchIndexes ?? []), ...(table.stagedSearchIndexes ?? [])];
  const vector = [...(table.vectorIndexes ?? []), ...(table.stagedVectorIndexes ?? [])] as ExportedFilteredIndex[];
  for (const index of [...search, ...vector]) {
    if (new Set(index.filterFields ?? []).size > MAX_FILTER_FIELDS)
      throw new PushError(
        "IndexTooManyFilterFields",
        `In table "${tableName}": Search indexes may have up to ${MAX_FILTER_FIELDS} filter fields.`,
      );
  }
  for (const { indexDescriptor: name } of [...search, ...vector]) {
    if (!isIdentifier(name)) throw invalidIndexName(name);
    if (reservedIndexName(name)) throw reservedIndexNameError(tableName, name);
    if (names.has(name)) throw new PushError("IndexNamesNotUnique", `Table "${tableName}" has two or more definitions of index "${name}".`);
    names.add(name);
  }
}

/**
 * crates/common/src/schemas/json.rs `validate_unique_index_fields`: two database indexes (staged
 * ones included) on the same fields are refused, naming them as Convex does — walked in name
 * order, the later name first.
 */
function checkUniqueIndexFields(tableName: string, indexes: readonly ExportedIndex[]): void {
  const byName = new Map(indexes.map((index) => [index.indexDescriptor, index.fields] as const));
  const seen = new Map<string, string>();
  for (const name of [...byName.keys()].sort()) {
    const key = JSON.stringify(byName.get(name));
    const other = seen.get(key);
    if (other !== undefined)
      throw new PushError(
        "IndexNotUnique",
        `In table "${tableName}" index "${name}" and index "${other}" have the same fields. Indexes must be unique within a table.`,
      );
    seen.set(key, name);
  }
}

export function checkSchemaTables(tables: readonly ExportedTable[]): void {
  for (const table of tables) {
    const { tableName, indexes } = table;
    const count =
      indexes.length +
      (table.stagedDbIndexes?.length ?? 0) +
      (table.searchIndexes?.length ?? 0) +
      (table.stagedSearchIndexes?.length ?? 0) +
      (table.vectorIndexes?.length ?? 0) +
      (table.stagedVectorIndexes?.length ?? 0);
    if (!isIdentifier(tableName)) {
      throw new PushError(
        "InvalidTableName",
        `Invalid table name: "${tableName}". Identifiers must start with a letter and can only contain letters, digits, and underscores.`,
      );
    }
    if (tableName.startsWith("_")) throw new PushError("TableNameReserved", `${tableName} is a reserved table name.`);
    if (count > MAX_INDEXES_PER_TABLE)
      throw new PushError("TooManyIndexes", `Table "${tableName}" cannot have more than ${MAX_INDEXES_PER_TABLE} indexes.`);
    const names = new Set<string>();
    for (const { indexDescriptor: name, fields } of indexes) {
      if (!isIdentifier(name)) throw invalidIndexName(name);
      if (names.has(name))
        throw new PushError("IndexNamesNotUnique", `Table "${tableName}" has two or more definitions of index "${name}".`);
      names.add(name);
      if (reservedIndexName(name)) throw reservedIndexNameError(tableName, name);
      if (fields.length === 0) throw new PushError("EmptyIndex", `In table "${tableName}" index "${name}" must have at least one field.`);
      if (fields.length > MAX_INDEX_FIELDS) throw new PushError("IndexTooManyFields", `Indexes may have up to ${MAX_INDEX_FIELDS} fields.`);
      if (fields.includes("_id"))
        throw new PushError("IndexFieldsContainId", "`_id` is not a valid index field. To load documents by ID, use `db.get(id)`.");
      const seen = new Set<string>();
      for (const field of fields) {
        if (seen.has(field))
          throw new PushError("FieldsNotUniqueWithinIndex", `Duplicate field "${field}". Index fields must be unique within an index.`);
        seen.add(field);
      }
      if (fields.includes("_creationTime")) {
        throw new PushError(
          "IndexFieldsContainCreationTime",
          "`_creationTime` is automatically added to the end of each index. It should not be added explicitly in the index definition. See https://docs.convex.dev/using/indexes for more details.",
        );
      }
      if (fields.some((field) => field.split(".").some((part) => part.startsWith("_")))) {
        throw new PushError("IndexFieldNameReserved", "Reserved fields (starting with `_`) are not allowed in indexes.");
      }
    }
    checkUniqueIndexFields(tableName, [...indexes, ...(table.stagedDbIndexes ?? [])]);
    checkFilteredIndexes(table, names);
  }
}

type FunctionKind = "query" | "mutation" | "action" | "httpAction";

/** Every cron schedules an existing mutation or action (`kindOf` null: no such function). */
export function checkCrons(crons: Record<string, { name: string }>, kindOf: (name: string) => FunctionKind | null): void {
  for (const [identifier, spec] of Object.entries(crons)) {
    const path = canonical(spec.name);
    const kind = kindOf(spec.name);
    if (kind === null) throw new Error(`The cron job '${identifier}' schedules a function that does not exist: ${path}`);
    if (kind === "query")
      throw new Error(`The cron job '${identifier}' schedules a query function, only actions and mutations can be scheduled: ${path}`);
    if (kind === "httpAction")
      throw new Error(`The cron job '${identifier}' schedules an HTTP action, only actions and mutations can be scheduled: ${path}`);
  }
}

/** A function path as Convex prints it: `module.js:name` (default export: `module.js:default`). */
function canonical(name: string): string {
  const [module, fn = "default"] = name.split(":");
  return `${/\.[jt]s$/.test(module) ? module.replace(/\.ts$/, ".js") : `${module}.js`}:${fn}`;
}
