/**
 * A pushed schema against the documents already stored, as Convex validates it before the push
 * finishes (crates/common/src/schemas/mod.rs `check_existing_document`): the first document that
 * does not match is reported with Convex's message (SchemaValidationError::ExistingDocument,
 * its detail in ValidationError's words: schemaValidationError.ts) and the push is refused.
 */
import type { Value } from "convex/values";
import { parseDoc, type DocumentStore } from "./database";
import type { ExportedSchema } from "./loader";
import { documentValidationError } from "./schemaValidationError";

export type SchemaFailure = { error: string; componentPath: string; tableName: string };

const PAGE = 1000;

/** The first existing document of `componentPath` that `schema` refuses, or null. */
export function firstSchemaViolation(store: DocumentStore, componentPath: string, schema: ExportedSchema | null): SchemaFailure | null {
  if (!schema?.schemaValidation) return null;
  const tableOf = (id: string) => {
    const tableKey = store.tableOfId(id, componentPath);
    if (!tableKey) return null;
    const cut = tableKey.lastIndexOf(":");
    return tableKey.slice(0, cut) === componentPath ? tableKey.slice(cut + 1) : null;
  };
  const known = new Set(store.tableList().map((t) => t.tableKey));
  for (const table of schema.tables) {
    if (!table.documentType) continue;
    const tableKey = `${componentPath}:${table.tableName}`;
    if (!known.has(tableKey)) continue;
    const { low, high } = store.bounds(tableKey, "by_creation_time", []);
    let after: Buffer | null = null;
    for (;;) {
      const rows = store.scan(tableKey, "by_creation_time", low, high, "asc", after, PAGE);
      for (const row of rows) {
        const doc = parseDoc(row.json) as Record<string, Value> & { _id: string };
        const problem = documentValidationError(table.documentType, doc, tableOf);
        if (problem) {
          return {
            error: `Document with ID "${doc._id}" in table "${table.tableName}" does not match the schema: ${problem}`,
            componentPath,
            tableName: table.tableName,
          };
        }
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].key;
    }
  }
  return null;
}
