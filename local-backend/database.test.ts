/** The data file's SQLite settings: a new file's page size, and an older file's kept as it was. */
import Database from "better-sqlite3";
import path from "node:path";
import { expect, test } from "vitest";
import { DocumentStore, PAGE_SIZE, parseDoc, type Doc } from "./database";
import { tempDataDir } from "./testing";

const INDEX = [{ name: "by_hash", fields: ["hash"] }];

function lookup(store: DocumentStore, hash: string): string[] {
  const { low, high } = store.bounds(":links", "by_hash", [{ type: "Eq", fieldPath: "hash", value: hash }]);
  return store.scan(":links", "by_hash", low, high, "asc", null).map((row) => parseDoc(row.json)._id);
}

test("a new data file has 8 KiB pages, and keeps them when it opens again", () => {
  const file = path.join(tempDataDir(), "db.sqlite3");
  const store = new DocumentStore(file);
  expect(store.sql.pragma("page_size", { simple: true })).toBe(PAGE_SIZE);
  expect(PAGE_SIZE).toBe(8192);
  store.close();
  const again = new DocumentStore(file);
  try {
    expect(again.sql.pragma("page_size", { simple: true })).toBe(8192);
  } finally {
    again.close();
  }
});

test("a data file written with SQLite's default 4 KiB pages opens as it is: its documents and indexes answer, and writes go on", () => {
  const file = path.join(tempDataDir(), "db.sqlite3");
  // As an earlier version created it: SQLite's default page size, fixed by the first table.
  const raw = new Database(file);
  raw.pragma("page_size = 4096");
  raw.pragma("journal_mode = WAL");
  raw.exec("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
  raw.close();
  const older = new DocumentStore(file);
  older.defineTable(":links", INDEX);
  const docs: Doc[] = [];
  older.begin();
  for (let i = 0; i < 500; i++) {
    const doc = { _id: older.newId(":links"), _creationTime: older.nextCreationTime(), hash: `h${i}` } as Doc;
    older.write(":links", doc, null);
    docs.push(doc);
  }
  older.commit();
  older.close();

  const store = new DocumentStore(file);
  try {
    expect(store.sql.pragma("page_size", { simple: true })).toBe(4096);
    store.defineTable(":links", INDEX);
    expect(store.count(":links")).toBe(500);
    expect(lookup(store, "h321")).toEqual([docs[321]._id]);
    store.begin();
    store.write(":links", { ...docs[7], hash: "moved" }, docs[7]);
    store.commit();
    expect(lookup(store, "h7")).toEqual([]);
    expect(lookup(store, "moved")).toEqual([docs[7]._id]);
    expect(store.get(docs[7]._id)?.hash).toBe("moved");
  } finally {
    store.close();
  }
});
