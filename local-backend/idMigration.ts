/**
 * Data folders written before ids took Convex's encoding (29 characters: 26 random, 3 for a
 * table number counted from 1) are migrated on start: every table gets a Convex table number,
 * every document a Convex id, every reference to an old id inside any document (and in
 * scheduled functions' arguments) is rewritten, storage files are renamed, indexes rebuilt.
 * One transaction: a crash leaves the old data folder as it was (and at most extra file links
 * that the startup sweep removes). Sessions signed in before must sign in again: their tokens
 * name the old ids.
 */
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import type { Value } from "convex/values";
import { DocumentStore, parseDoc, type Doc, type IndexDef } from "./database";
import { decodeId, defaultTableNumber, newDocumentId } from "./ids";

const LEGACY_ID = /^[0-9a-z]{29}$/;

function rewrite(value: Value, ids: Map<string, string>): Value {
  if (typeof value === "string") return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => rewrite(v, ids));
  if (value && typeof value === "object" && !(value instanceof ArrayBuffer)) {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewrite(v as Value, ids);
    return out;
  }
  return value;
}

/** Migrates `dbFile` (and the files in `filesDir`) if it holds legacy ids; null when there was nothing to do. */
export async function migrateLegacyIds(dbFile: string, filesDir: string): Promise<{ documents: number; files: number } | null> {
  if (!existsSync(dbFile)) return null;
  const store = new DocumentStore(dbFile);
  try {
    const rows = store.sql.prepare("SELECT id, tbl FROM documents").all() as { id: string; tbl: string }[];
    const legacy = rows.some((r) => LEGACY_ID.test(r.id) && !decodeId(r.id));
    const unique = /UNIQUE/i.test((store.sql.prepare("SELECT sql FROM sqlite_master WHERE name = 'tables'").get() as { sql: string }).sql);
    if (!legacy && !unique) return null;

    // New table numbers, as Convex allocates them; the registry loses its old UNIQUE constraint
    // (imported components may share numbers).
    const tables = store.sql.prepare("SELECT tbl, num, indexes FROM tables ORDER BY num").all() as {
      tbl: string;
      num: number;
      indexes: string;
    }[];
    const taken = new Set<number>();
    const numbers = new Map<string, number>();
    for (const t of tables) {
      const num = legacy ? defaultTableNumber(t.tbl.slice(t.tbl.lastIndexOf(":") + 1), (n) => taken.has(n)) : t.num;
      taken.add(num);
      numbers.set(t.tbl, num);
    }
    const ids = new Map<string, string>();
    if (legacy) for (const r of rows) ids.set(r.id, newDocumentId(numbers.get(r.tbl)!));

    // Storage files under their new names first (hard links: no copy); old names go after the commit.
    const renamed: Array<[string, string]> = [];
    if (legacy) {
      for (const r of rows) {
        if (!r.tbl.endsWith(":_storage")) continue;
        const from = path.join(filesDir, r.id);
        if (!existsSync(from)) continue;
        const to = path.join(filesDir, ids.get(r.id)!);
        await fs.rm(to, { force: true });
        await fs.link(from, to);
        renamed.push([from, to]);
      }
    }

    store.transaction(() => {
      store.sql.exec(`
        CREATE TABLE tables_new (tbl TEXT PRIMARY KEY, num INTEGER NOT NULL, indexes TEXT NOT NULL DEFAULT '[]');
        INSERT INTO tables_new (tbl, num, indexes) SELECT tbl, num, indexes FROM tables;
        DROP TABLE tables;
        ALTER TABLE tables_new RENAME TO tables;
      `);
      if (!legacy) return;
      const update = store.sql.prepare("UPDATE tables SET num = ? WHERE tbl = ?");
      for (const [tbl, num] of numbers) update.run(num, tbl);
      store.loadTableNumbers();
      for (const t of tables) store.defineTable(t.tbl, JSON.parse(t.indexes) as IndexDef[]);
      const read = store.sql.prepare("SELECT json FROM documents WHERE id = ?");
      for (const r of rows) {
        const doc = parseDoc((read.get(r.id) as { json: string }).json);
        store.delete(r.tbl, doc);
        store.write(r.tbl, rewrite(doc as Value, ids) as Doc, null);
      }
      // Scheduler state and search indexes name documents: rebuilt from the documents.
      store.setMeta("searchLayout", "");
    });
    for (const [from] of renamed) await fs.rm(from, { force: true });
    return legacy ? { documents: rows.length, files: renamed.length } : null;
  } finally {
    store.close();
  }
}
