/** A data folder from before Convex-format ids is migrated on start: ids, references, files, indexes. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { DocumentStore, type Doc } from "./database";
import { decodeId } from "./ids";
import { migrateLegacyIds } from "./idMigration";
import { adminKeyOf, cliProject, runCli } from "./cliTesting";
import { FIXTURE_PROJECT, spawnBackend, tempDataDir } from "./testing";

const legacyId = (n: number, table: number) =>
  `${String(n)
    .padStart(26, "a")
    .replace(/[ilou]/g, "b")}${table.toString(32).padStart(3, "0")}`;

/** The layout the store wrote before: table numbers from 1 (UNIQUE), 29-character ids. */
function legacyFolder() {
  const dataDir = tempDataDir("legacy-ids-");
  const file = path.join(dataDir, "db.sqlite3");
  const raw = new Database(file);
  raw.exec("CREATE TABLE tables (tbl TEXT PRIMARY KEY, num INTEGER NOT NULL UNIQUE, indexes TEXT NOT NULL DEFAULT '[]')");
  raw.close();
  const store = new DocumentStore(file);
  store.registerTable(":messages", 1);
  store.registerTable(":_storage", 2);
  store.defineTable(":messages", [{ name: "by_channel", fields: ["channel"] }]);
  const fileId = legacyId(1, 2);
  const first = legacyId(2, 1);
  const second = legacyId(3, 1);
  store.transaction(() => {
    store.write(":_storage", { _id: fileId, _creationTime: 1, sha256: "x", size: 5 } as Doc, null);
    store.write(":messages", { _id: first, _creationTime: 2, channel: "old", body: "first", author: "someone" } as Doc, null);
    store.write(
      ":messages",
      { _id: second, _creationTime: 3, channel: "old", body: "second", author: first, attachments: [fileId] } as unknown as Doc,
      null,
    );
  });
  store.close();
  mkdirSync(path.join(dataDir, "files"), { recursive: true });
  writeFileSync(path.join(dataDir, "files", fileId), "bytes");
  return { dataDir, file, fileId, first, second };
}

test("legacy ids become Convex ids; references, files and indexes follow; a second run does nothing", async () => {
  const { dataDir, file, fileId, first } = legacyFolder();
  expect(decodeId(first)).toBeNull();
  expect(await migrateLegacyIds(file, path.join(dataDir, "files"))).toEqual({ documents: 3, files: 1 });
  const store = new DocumentStore(file);
  store.defineTable(":messages", [{ name: "by_channel", fields: ["channel"] }]);
  const { low, high } = store.bounds(":messages", "by_channel", [{ type: "Eq", fieldPath: "channel", value: "old" }]);
  const docs = store.scan(":messages", "by_channel", low, high, "asc", null).map((r) => JSON.parse(r.json) as Record<string, unknown>);
  expect(docs.map((d) => d.body)).toEqual(["first", "second"]);
  for (const d of docs) expect(decodeId(String(d._id))?.tableNumber).toBe(10_001);
  expect(docs[1].author).toBe(docs[0]._id);
  const newFileId = (docs[1].attachments as string[])[0];
  expect(decodeId(newFileId)?.tableNumber).toBe(540);
  expect(store.tableOfId(newFileId)).toBe(":_storage");
  expect(store.get(newFileId)).toMatchObject({ size: 5 });
  expect(readFileSync(path.join(dataDir, "files", newFileId), "utf8")).toBe("bytes");
  expect(existsSync(path.join(dataDir, "files", fileId))).toBe(false);
  // Imported components may share table numbers now.
  store.registerTable("other:things", 10_001);
  store.close();
  expect(await migrateLegacyIds(file, path.join(dataDir, "files"))).toBeNull();
});

test("the backend migrates a legacy data folder when it starts, and the CLI reads the result", async () => {
  const { dataDir } = legacyFolder();
  const backend = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
  try {
    await expect.poll(() => backend.output()).toContain("Migrated 3 document(s) and 1 file(s) to Convex-format ids.");
    const rows = await runCli(cliProject(FIXTURE_PROJECT), ["data", "messages", "--format", "jsonl"], {
      url: backend.cloudUrl,
      adminKey: adminKeyOf(backend),
    });
    const ids = rows.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { _id: string })._id);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(decodeId(id)).not.toBeNull();
  } finally {
    await backend.stop();
  }
});
