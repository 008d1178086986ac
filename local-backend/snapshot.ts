/**
 * Snapshots in Convex's ZIP format (crates/exports/src/, crates/application/src/snapshot_import/),
 * so `npx convex export` here and `npx convex import` on Convex (and back) move a deployment:
 *
 *   README.md
 *   [_components/<name>/]…_tables/documents.jsonl      {"name": table, "id": table number}
 *   [_components/<name>/]…<table>/documents.jsonl      one document per line, ConvexExportJSON
 *   [_components/<name>/]…<table>/generated_schema.jsonl  "uniform"
 *   [_components/<name>/]…_storage/documents.jsonl     {_id, _creationTime, sha256, size, contentType, internalId}
 *   [_components/<name>/]…_storage/<id>[.ext]          the file's bytes
 *
 * Ids, `_creationTime` and table numbers are kept, so references between documents, storage
 * ids in documents and ids already handed out (share links…) stay valid. Indexes are the
 * schema's and are rebuilt as documents are written.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Value } from "convex/values";
import type { BlobStore } from "./blobs";
import { parseDoc, type Doc, type DocumentStore } from "./database";
import type { Engine } from "./engine";
import { decodeId, newDocumentId } from "./ids";
import { documentValidationError } from "./schemaValidationError";
import { documentValidators } from "./databaseSyscalls";
import { exportJson, parseExportJson } from "./snapshotJson";
import { ZipReader, ZipWriter, type ZipEntry } from "./zip";

export const README = `# Welcome to your Convex snapshot export!

This ZIP file contains a snapshot of the tables in your Convex deployment.

Documents for each table are listed as lines of JSON in
<table_name>/documents.jsonl files.

For details on the format and how to use this snapshot with npx convex import,
check out [the docs](https://docs.convex.dev/database/import-export/export) or
ask us in [Discord](http://convex.dev/community).
`;

export type ImportMode = "requireEmpty" | "append" | "replace" | "replaceAll";

/** A snapshot that cannot be imported as asked; the message is what the CLI prints. */
export class SnapshotError extends Error {}

/** Some common content types and the extension Convex's exporter gives their files (mime_guess). */
const EXTENSIONS: Record<string, string> = {
  "video/mp4": ".mp4",
  "video/webm": ".webm",
  "video/quicktime": ".mov",
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/gif": ".gif",
  "image/webp": ".webp",
  "application/json": ".json",
  "text/plain": ".txt",
  "application/pdf": ".pdf",
};

const componentOf = (tableKey: string) => tableKey.slice(0, tableKey.lastIndexOf(":"));
const tableOf = (tableKey: string) => tableKey.slice(tableKey.lastIndexOf(":") + 1);
const prefixOf = (componentPath: string) =>
  componentPath
    ? componentPath
        .split("/")
        .map((name) => `_components/${name}/`)
        .join("")
    : "";

function documentsOf(store: DocumentStore, tableKey: string): Doc[] {
  const rows = store.sql.prepare("SELECT json FROM documents WHERE tbl = ?").all(tableKey) as { json: string }[];
  return rows.map((r) => parseDoc(r.json)).sort((a, b) => a._creationTime - b._creationTime || (a._id < b._id ? -1 : 1));
}

/** Writes a snapshot of every component's user tables (and `_storage` with its files if asked) to `file`. */
export async function exportSnapshot(
  engine: Engine,
  blobs: BlobStore,
  file: string,
  includeStorage: boolean,
): Promise<{ documents: number; files: number }> {
  const store = engine.store;
  const zip = new ZipWriter(file);
  let documents = 0;
  const files: Array<{ path: string; id: string }> = [];
  try {
    // One consistent read: no function commits between the tables.
    await engine.serial(async () => {
      zip.add("README.md", README);
      const tables = store.tableList();
      const namespaces = new Set(["", ...tables.map((t) => componentOf(t.tableKey))]);
      for (const ns of [...namespaces].sort()) {
        const prefix = prefixOf(ns);
        const user = tables
          .filter((t) => componentOf(t.tableKey) === ns && !tableOf(t.tableKey).startsWith("_"))
          .sort((a, b) => a.num - b.num);
        zip.add(
          `${prefix}_tables/documents.jsonl`,
          user.map((t) => `${JSON.stringify({ name: tableOf(t.tableKey), id: t.num })}\n`).join(""),
        );
        for (const { tableKey } of user) {
          const docs = documentsOf(store, tableKey);
          documents += docs.length;
          zip.add(`${prefix}${tableOf(tableKey)}/documents.jsonl`, docs.map((d) => `${exportJson(d as Value)}\n`).join(""));
          zip.add(`${prefix}${tableOf(tableKey)}/generated_schema.jsonl`, `"uniform"\n`);
        }
        if (!includeStorage) continue;
        const stored = documentsOf(store, `${ns}:_storage`);
        const lines = stored.map((d) => {
          const meta: Record<string, Value> = {
            _id: d._id,
            _creationTime: d._creationTime,
            sha256: d.sha256 as string,
            size: BigInt(d.size as number),
          };
          if (typeof d.contentType === "string") meta.contentType = d.contentType;
          meta.internalId = d._id;
          files.push({ path: `${prefix}_storage/${d._id}${EXTENSIONS[String(d.contentType ?? "")] ?? ""}`, id: d._id });
          return `${exportJson(meta)}\n`;
        });
        zip.add(`${prefix}_storage/documents.jsonl`, lines.join(""));
      }
    });
    for (const f of files) await zip.addFile(f.path, blobs.pathOf(f.id));
    zip.close();
  } catch (error) {
    try {
      zip.close();
    } catch {
      // already failing
    }
    await fs.rm(file, { force: true });
    throw error;
  }
  return { documents, files: files.length };
}

type ParsedTable = { componentPath: string; table: string; entry: ZipEntry };
type ParsedFile = { componentPath: string; id: string; entry: ZipEntry };

/** `_components/a/_components/b/` → "a/b"; anything else before a table's folder is ignored, as Convex does. */
function componentPathOf(prefix: string, base: string): string {
  const names: string[] = [];
  const re = /_components\/([^/]+)\//g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(prefix))) names.push(m[1]);
  return [base, ...names].filter(Boolean).join("/");
}

function lines(data: Buffer): string[] {
  let text = data.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split("\n").filter((l) => l.trim() !== "");
}

export type ImportPlan = {
  /** Per table key: documents to write and the table number their ids carry. */
  tables: Map<string, { num: number | null; docs: Doc[] }>;
  files: Map<string, ParsedFile & { tableKey: string }>;
  /** The snapshot's ZIP (null for one table's JSON Lines, JSON or CSV file: no files). */
  reader: ZipReader | null;
};

/** One table's documents (`npx convex import --table`): the same plan as a snapshot's, without files. */
export function tablePlan(componentPath: string, tableName: string, docs: Array<Record<string, Value>>): ImportPlan {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(tableName)) throw new SnapshotError(`${JSON.stringify(tableName)} isn't a valid table name`);
  if (tableName.startsWith("_")) throw new SnapshotError(`Cannot import into the system table ${tableName}.`);
  for (const doc of docs) if (typeof doc._creationTime === "bigint") doc._creationTime = Number(doc._creationTime);
  return { tables: new Map([[`${componentPath}:${tableName}`, { num: null, docs: docs as Doc[] }]]), files: new Map(), reader: null };
}

/** Reads a snapshot ZIP into documents per table (files are read when written). */
export function readSnapshot(zipFile: string, baseComponentPath = ""): ImportPlan {
  const reader = new ZipReader(zipFile);
  try {
    const tables: ParsedTable[] = [];
    const files = new Map<string, ParsedFile & { tableKey: string }>();
    const numbers = new Map<string, number>();
    for (const entry of reader.entries) {
      if (entry.name.endsWith("/")) continue;
      const docs = /^(.*\/)?([^/]+)\/documents\.jsonl$/.exec(entry.name);
      if (docs) {
        const componentPath = componentPathOf(docs[1] ?? "", baseComponentPath);
        if (docs[2] === "_tables") {
          for (const line of lines(reader.read(entry))) {
            const t = JSON.parse(line) as { name?: unknown; id?: unknown };
            if (typeof t.name === "string" && typeof t.id === "number") numbers.set(`${componentPath}:${t.name}`, t.id);
          }
        } else tables.push({ componentPath, table: docs[2], entry });
        continue;
      }
      const file = /^(.*\/)?_storage\/([^/.]+)(?:\.[^/]+)?$/.exec(entry.name);
      if (file) {
        const componentPath = componentPathOf(file[1] ?? "", baseComponentPath);
        if (!decodeId(file[2])) throw new SnapshotError(`_storage id '${file[2]}' invalid: not a Convex id`);
        files.set(file[2], { componentPath, id: file[2], entry, tableKey: `${componentPath}:_storage` });
      }
    }
    const plan: ImportPlan = { tables: new Map(), files, reader };
    for (const t of tables) {
      const tableKey = `${t.componentPath}:${t.table}`;
      if (t.table.startsWith("_") && t.table !== "_storage") throw new SnapshotError(`Cannot import into the system table ${t.table}.`);
      const num = t.table === "_storage" ? null : (numbers.get(tableKey) ?? null);
      const docs: Doc[] = [];
      let lineNumber = 0;
      for (const line of lines(reader.read(t.entry))) {
        lineNumber++;
        let value: Value;
        try {
          value = parseExportJson(line);
        } catch (error) {
          throw new SnapshotError(`Failed to parse ${t.entry.name} line ${lineNumber}: ${(error as Error).message}`);
        }
        if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof ArrayBuffer)
          throw new SnapshotError(`${t.entry.name} line ${lineNumber} is not an object.`);
        const doc = value as Record<string, Value>;
        if (t.table === "_storage") {
          // Metadata lines: {_id, _creationTime, sha256, size, contentType, internalId}.
          const meta: Record<string, Value> = {
            _id: doc._id,
            _creationTime: Number(doc._creationTime ?? Date.now()),
            sha256: doc.sha256,
            size: Number(doc.size),
          };
          if (typeof doc.contentType === "string") meta.contentType = doc.contentType;
          docs.push(meta as Doc);
          continue;
        }
        if (typeof doc._creationTime === "bigint") doc._creationTime = Number(doc._creationTime);
        docs.push(doc as Doc);
      }
      plan.tables.set(tableKey, { num, docs });
    }
    return plan;
  } catch (error) {
    reader.close();
    throw error;
  }
}

/** What an import will do, per table: the CLI shows it before asking to go on (Convex's confirmation message). */
export function describeImport(store: DocumentStore, plan: ImportPlan, mode: ImportMode): { message: string; deletes: boolean } {
  const rows: string[] = [];
  let deletes = false;
  const cleared = tablesCleared(store, plan, mode);
  for (const tableKey of new Set([...plan.tables.keys(), ...cleared])) {
    const existing = store.count(tableKey);
    const incoming = plan.tables.get(tableKey)?.docs.length ?? 0;
    const deleted = cleared.includes(tableKey) ? existing : 0;
    if (deleted > 0) deletes = true;
    const ns = componentOf(tableKey);
    rows.push(`${ns ? `${ns}:` : ""}${tableOf(tableKey)} | ${incoming} | ${deleted}`);
  }
  return {
    message: `Import change summary:\ntable | create | delete |\n${rows.sort().join("\n")}\nOnce the import has started, it will run in the background.\nInterrupting \`npx convex import\` will not cancel it.`,
    deletes,
  };
}

function tablesCleared(store: DocumentStore, plan: ImportPlan, mode: ImportMode): string[] {
  if (mode === "replace") return [...plan.tables.keys()].filter((t) => store.count(t) > 0);
  if (mode !== "replaceAll") return [];
  const namespaces = new Set([...plan.tables.keys()].map(componentOf));
  namespaces.add("");
  return store
    .tableList()
    .map((t) => t.tableKey)
    .filter((t) => namespaces.has(componentOf(t)) && (!tableOf(t).startsWith("_") || tableOf(t) === "_storage") && store.count(t) > 0);
}

/** Without --replace / --append, an import goes only into empty tables (Convex's `requireEmpty` mode). */
export function refuseOccupied(store: DocumentStore, plan: ImportPlan) {
  const occupied = [...plan.tables.keys()].filter((t) => store.count(t) > 0);
  if (occupied.length === 0) return;
  throw new SnapshotError(
    `Tables already exist and are not empty: ${occupied.map((t) => (componentOf(t) ? t : tableOf(t))).join(", ")}. Use --replace to replace their documents, --replace-all to replace the whole database, or --append to add to them.`,
  );
}

/** Imports a read snapshot in one transaction; returns the number of documents written. */
export async function applySnapshot(engine: Engine, blobs: BlobStore, plan: ImportPlan, mode: ImportMode): Promise<number> {
  const store = engine.store;
  // Files first (they are immutable per id): a crash before the commit leaves only files the startup sweep removes.
  const stored = new Map<string, { sha256: string; size: number }>();
  for (const file of plan.files.values()) {
    const data = plan.reader!.read(file.entry);
    const sha256 = createHash("sha256").update(data).digest("base64");
    const meta = plan.tables.get(file.tableKey)?.docs.find((d) => d._id === file.id);
    if (meta && typeof meta.sha256 === "string" && meta.sha256 !== sha256)
      throw new SnapshotError(`File ${file.entry.name} does not match its sha256 in _storage/documents.jsonl.`);
    const temp = path.join(blobs.dir, `.upload-import-${file.id}`);
    await fs.writeFile(temp, data);
    await blobs.adopt(temp, file.id);
    stored.set(file.id, { sha256, size: data.length });
  }
  // Files without a metadata line get one, as Convex's import does.
  for (const file of plan.files.values()) {
    const table = plan.tables.get(file.tableKey) ?? { num: null, docs: [] };
    plan.tables.set(file.tableKey, table);
    if (!table.docs.some((d) => d._id === file.id))
      table.docs.push({ _id: file.id, _creationTime: Date.now(), ...stored.get(file.id)! } as Doc);
  }
  let written = 0;
  const imported: Array<[string, Doc]> = [];
  await engine.write({ type: "mutation", componentPath: "", udfPath: "_system/import", identity: null } as never, (inner) => {
    const cleared = tablesCleared(store, plan, mode);
    if (mode === "requireEmpty") refuseOccupied(store, plan);
    for (const tableKey of cleared) {
      for (const doc of documentsOf(store, tableKey)) {
        store.delete(tableKey, doc, inner.writes);
        if (tableOf(tableKey) === "_storage" && !stored.has(doc._id)) inner.filesToDelete.push(doc._id);
      }
      inner.writes.add(tableKey);
    }
    for (const [tableKey, { num, docs }] of plan.tables) {
      if (num !== null) claimTableNumber(store, tableKey, num);
      const tableNumber = store.tableNumber(tableKey);
      for (const doc of docs) {
        let id = typeof doc._id === "string" ? doc._id : null;
        if (id !== null) {
          const decoded = decodeId(id);
          if (!decoded) throw new SnapshotError(`Invalid _id ${JSON.stringify(id).slice(0, 80)} in table ${tableOf(tableKey)}.`);
          if (decoded.tableNumber !== tableNumber)
            throw new SnapshotError(
              `_id ${id} in table ${tableOf(tableKey)} belongs to table number ${decoded.tableNumber}, but ${tableOf(tableKey)} has number ${tableNumber} here.`,
            );
        } else id = newDocumentId(tableNumber);
        const previous = store.get(id);
        if (previous && !cleared.includes(tableKey))
          throw new SnapshotError(`A document with _id ${id} already exists in table ${tableOf(tableKey)}.`);
        const full = {
          ...doc,
          _id: id,
          _creationTime: typeof doc._creationTime === "number" ? doc._creationTime : store.nextCreationTime(),
        } as Doc;
        store.write(tableKey, full, previous, inner.writes);
        imported.push([tableKey, full]);
        written++;
      }
      inner.writes.add(tableKey);
    }
    // The pushed schema holds for imported documents as for any write (ImportFacingModel::insert
    // enforces it); checked once every table is in, so ids may point anywhere in the import.
    for (const [tableKey, doc] of imported) {
      const validator = documentValidators.get(tableKey);
      const problem =
        validator &&
        documentValidationError(validator, doc as Record<string, Value>, (id) => engine.tableNameOf(componentOf(tableKey), id));
      if (problem) {
        throw new SnapshotError(
          `Failed to insert or update a document in table "${tableOf(tableKey)}" because it does not match the schema: ${problem}`,
        );
      }
    }
  });
  return written;
}

/**
 * Gives `tableKey` the number the snapshot's ids carry. A table that keeps documents under
 * another number, or another table of the component holding that number, cannot take it.
 */
function claimTableNumber(store: DocumentStore, tableKey: string, num: number) {
  const current = store.tableList().find((t) => t.tableKey === tableKey)?.num;
  if (current === num) return;
  const holder = store
    .tableList()
    .find((t) => t.num === num && componentOf(t.tableKey) === componentOf(tableKey) && t.tableKey !== tableKey);
  if (holder && store.count(holder.tableKey) > 0) {
    throw new SnapshotError(
      `Table ${tableOf(tableKey)} has number ${num} in the snapshot, which ${tableOf(holder.tableKey)} already uses here. Import with --replace-all to replace the whole database.`,
    );
  }
  if (current !== undefined && store.count(tableKey) > 0) {
    throw new SnapshotError(
      `Table ${tableOf(tableKey)} exists here with number ${current} and the snapshot's ids carry ${num}. Import with --replace (or --replace-all) to replace its documents.`,
    );
  }
  if (holder) {
    // Empty: it gets a fresh number the next time it is used.
    store.sql.prepare("DELETE FROM tables WHERE tbl = ?").run(holder.tableKey);
    store.loadTableNumbers();
  }
  store.registerTable(tableKey, num);
}
