/** The pure search rules and the SQLite index beside a store: rebuilds on definition changes, rollback with the documents. */
import path from "node:path";
import { expect, test } from "vitest";
import { DocumentStore, type Doc } from "./database";
import { ReadSet, WriteSet } from "./readSet";
import { SearchIndexes } from "./search";
import { MAX_QUERY_TERMS, compileSearch, tokenize } from "./searchText";
import { tempDataDir } from "./testing";

test("tokens: alphanumeric runs (any script), lower-cased, 32 bytes or longer dropped", () => {
  expect(tokenize("Hello, WORLD! it's v2.0 — ÉCLAIR naïve 東京")).toEqual([
    "hello",
    "world",
    "it",
    "s",
    "v2",
    "0",
    "éclair",
    "naïve",
    "東京",
  ]);
  expect(tokenize(`${"a".repeat(31)} ${"b".repeat(32)} ok`)).toEqual(["a".repeat(31), "ok"]);
  expect(tokenize("snake_case kebab-case")).toEqual(["snake", "case", "kebab", "case"]);
});

test("a query keeps its first 16 terms and only the last one is a prefix", () => {
  const def = { name: "s", searchField: "body", filterFields: ["channel"] };
  const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(" ");
  const { terms } = compileSearch("t.s", def, [{ type: "Search", fieldPath: "body", value: words }]);
  expect(terms).toHaveLength(MAX_QUERY_TERMS);
  expect(terms.filter((t) => t.prefix).map((t) => t.text)).toEqual(["w15"]);
  expect(() => compileSearch("t.s", def, [{ type: "Eq", fieldPath: "channel", value: "x" }])).toThrow(
    /does not contain any search filters/,
  );
  expect(() =>
    compileSearch("t.s", def, [
      { type: "Search", fieldPath: "body", value: "a" },
      { type: "Search", fieldPath: "body", value: "b" },
    ]),
  ).toThrow(/multiple search filters/);
});

function openStore(dir: string) {
  const store = new DocumentStore(path.join(dir, "db.sqlite"));
  return { store, search: new SearchIndexes(store) };
}
const doc = (store: DocumentStore, fields: Record<string, unknown>): Doc =>
  ({ ...fields, _id: store.newId(":notes"), _creationTime: store.nextCreationTime() }) as Doc;
const bodies = (store: DocumentStore, search: SearchIndexes, index: string, text: string) =>
  search
    .search(":notes", index, [{ type: "Search", fieldPath: index === "by_title" ? "title" : "body", value: text }], new ReadSet())
    .take(100)
    .map((r) => (JSON.parse(r.json) as { body: string }).body);

test("an index is built from existing documents, rebuilt when its definition changes, and kept across restarts", () => {
  const dir = tempDataDir("reelgate-search-");
  let { store, search } = openStore(dir);
  store.defineTable(":notes", []);
  store.transaction(() => {
    store.write(":notes", doc(store, { body: "first words", title: "zebra" }), null);
    store.write(":notes", doc(store, { body: "second words", title: "yak" }), null);
  });
  search.define(":notes", [{ name: "by_body", searchField: "body", filterFields: [] }]);
  expect(bodies(store, search, "by_body", "words").sort()).toEqual(["first words", "second words"]);
  search.define(":notes", [{ name: "by_title", searchField: "title", filterFields: [] }]);
  expect(bodies(store, search, "by_title", "zebra")).toEqual(["first words"]);
  expect(() => bodies(store, search, "by_body", "words")).toThrow(/not found/);
  store.close();
  ({ store, search } = openStore(dir));
  store.defineTable(":notes", []);
  search.define(":notes", [{ name: "by_title", searchField: "title", filterFields: [] }]);
  expect(bodies(store, search, "by_title", "yak")).toEqual(["second words"]);
  store.close();
});

test("index entries roll back with the documents, and writes touch the terms they change", async () => {
  const { store, search } = openStore(tempDataDir("reelgate-search-"));
  store.defineTable(":notes", []);
  search.define(":notes", [{ name: "by_body", searchField: "body", filterFields: [] }]);
  store.begin();
  await expect(
    store.nested(async () => {
      store.write(":notes", doc(store, { body: "undone" }), null);
      throw new Error("undo");
    }),
  ).rejects.toThrow("undo");
  store.commit();
  expect(bodies(store, search, "by_body", "undone")).toEqual([]);
  const writes = new WriteSet();
  store.transaction(() => store.write(":notes", doc(store, { body: "kept words" }), null, writes));
  expect([...(writes.keys.get(":notes.by_body") ?? [])].map(String).sort()).toEqual(["kept", "words"]);
  const reads = new ReadSet();
  search.search(":notes", "by_body", [{ type: "Search", fieldPath: "body", value: "kept wo" }], reads);
  expect(reads.overlaps(writes)).toBe(true);
  const other = new WriteSet();
  other.touch(":notes", "by_body", Buffer.from("word")); // continues the prefix term "wo"
  expect(reads.overlaps(other)).toBe(true);
  const unrelated = new WriteSet();
  unrelated.touch(":notes", "by_body", Buffer.from("w")); // neither "kept" nor starts with "wo"
  expect(reads.overlaps(unrelated)).toBe(false);
  store.close();
});
