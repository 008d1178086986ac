/**
 * Text search indexes (`defineTable(...).searchIndex(name, { searchField, filterFields })`) as an
 * inverted index in the documents' own SQLite database, so an index changes in the same
 * transaction (and savepoint) as the documents and rolls back with them:
 *   search_blocks    a term's postings packed into blobs of fixed-width entries (searchBlocks.ts)
 *                    in document-number order: the term's own row (first = OPEN) with its
 *                    document frequency (BM25 idf, prefix expansion), the version of its postings
 *                    (a new one each time they change: the decoded-postings cache's key,
 *                    searchPostings.ts) and the open block new postings are appended to — one
 *                    row an insert changes per term — then sealed segments of up to
 *                    SEGMENT_BYTES, so a search reads a common term in a few rows; `eq` filters
 *                    are matched on each entry's hashes (searchRanking.ts);
 *   search_docs      the number each indexed document has in its index (and back), with its
 *                    creation time (the tie-break, and part of each result's key);
 *   search_indexes   the definition, BM25 totals (documents, tokens) and next document number.
 * An index is rebuilt from the table's documents when its definition changes.
 *
 * Reactivity: a search reads the keys of its terms in the index's own key space (the term's
 * UTF-8 bytes; the prefix term reads every key starting with it) and a write touches the terms
 * of the document before and after, so a subscription re-runs exactly when a document holding
 * one of its terms changes (filters are not narrowed on: a conservative superset).
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { encodeKey, fieldValue, type Value } from "./keys";
import { parseDoc, type Doc, type DocumentStore } from "./database";
export type { SearchHit, SearchResults } from "./searchResults";
import type { ReadSet, WriteSet } from "./readSet";
import { ENTRY_HEADER, encodeEntry, entryWidth, fits, withoutDocno } from "./searchBlocks";
import { PostingsCache, TermPostings } from "./searchPostings";
import { Ranking, type DocInfo, type HashCondition } from "./searchRanking";
import { SearchResults } from "./searchResults";
import {
  MAX_PREFIX_MATCHES_PER_QUERY_TERM,
  MAX_UNIQUE_QUERY_TERMS,
  PREFIX_BOOST,
  SearchError,
  analyze,
  checkIndexDef,
  compileSearch,
  idf,
  type SearchFilterJson,
  type SearchIndexDef,
} from "./searchText";

const HASH_BYTES = 8;
/**
 * A term's sealed blocks are gathered into segments of up to this many bytes (overflow pages of
 * one row), so a search reads a common term's postings in a few rows: a whole-index search's cost
 * is then mostly its terms' bytes, not one row (and one Buffer) per 900 bytes.
 */
const SEGMENT_BYTES = 16 * 1024;
/** Documents whose id and creation time are remembered by number (all are forgotten past it). */
const MAX_DOC_INFOS = 100_000;
/** Query terms whose index-term matches are remembered (all are forgotten past it). */
const MAX_EXPANSIONS = 4096;
/** Memory the decoded postings of recent searches may hold (each store's index). */
const POSTINGS_CACHE_BYTES = 32 * 1024 * 1024;
/** The `first` of a term's open block (the one new postings are appended to); sealed blocks carry their first docno. */
const OPEN = -1;
/** Version of the tables' row layout (a data folder from another layout is re-indexed). */
const LAYOUT = "8";
/** Sorts after every UTF-8 continuation of a prefix (the largest code point). */
const MAX_CHAR = "\u{10FFFF}";

type Stats = { docs: number; tokens: number; ver: number };
type TermRow = { term: string; df: number; ver: number };
type Reader = {
  stats: Database.Statement;
  df: Database.Statement;
  prefix: Database.Statement;
  blocks: Database.Statement;
  infoOf: Database.Statement;
  infosOf: Database.Statement;
};
type Block = { first: number; data: Buffer };
type IndexEntry = ReturnType<SearchIndexes["entry"]>;

export class SearchIndexes {
  private readonly sql: Database.Database;
  private readonly byTable = new Map<string, SearchIndexDef[]>();
  private readonly stmt: Record<string, Database.Statement>;
  /** Decoded postings by term (and first filter value), kept while their version is current. */
  private readonly postings = new PostingsCache(POSTINGS_CACHE_BYTES);
  /**
   * The next version of a term's postings: above every stored one, and never handed out twice in
   * this process (a rolled-back version is not reused), so a version names one content.
   */
  private version: number;
  /**
   * The index terms a query term matches, by index version (search_indexes.ver, a new one from
   * `version` at each write to the index): a dictionary lookup of a state already seen is free.
   */
  private readonly expansions = new Map<string, TermRow[]>();
  /**
   * The next document number: above every stored one and every one this process handed out, in
   * any index (a rolled-back or rebuilt index does not reuse one), so a number names one document
   * for the life of the process and its id and creation time can be remembered (`docInfos`).
   */
  private docno: number;
  private readonly docInfos = new Map<number, DocInfo>();
  /** Read statements by connection: the store's, and each snapshot reader's a search ran on. */
  private readonly readers = new WeakMap<Database.Database, Reader>();

  constructor(private readonly store: DocumentStore) {
    this.sql = store.sql;
    if (store.getMeta("searchLayout") !== LAYOUT) {
      // Another row layout: drop it; every index is rebuilt from the documents when defined.
      this.sql.exec(
        "DROP TABLE IF EXISTS search_indexes; DROP TABLE IF EXISTS search_terms; DROP TABLE IF EXISTS search_postings; DROP TABLE IF EXISTS search_blocks; DROP TABLE IF EXISTS search_docs;",
      );
      store.setMeta("searchLayout", LAYOUT);
    }
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS search_indexes (idx TEXT PRIMARY KEY, def TEXT NOT NULL, docs INTEGER NOT NULL, tokens INTEGER NOT NULL, next INTEGER NOT NULL, ver INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS search_docs (idx TEXT NOT NULL, doc TEXT NOT NULL, docno INTEGER NOT NULL, created REAL NOT NULL, PRIMARY KEY (idx, doc)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS search_docs_by_docno ON search_docs (idx, docno, created);
      CREATE TABLE IF NOT EXISTS search_blocks (idx TEXT NOT NULL, term TEXT NOT NULL, first INTEGER NOT NULL, data BLOB NOT NULL, df INTEGER, ver INTEGER, PRIMARY KEY (idx, term, first)) WITHOUT ROWID;
    `);
    this.stmt = {
      addStats: this.sql.prepare("UPDATE search_indexes SET docs = docs + ?, tokens = tokens + ?, ver = ? WHERE idx = ?"),
      takeDocno: this.sql.prepare("UPDATE search_indexes SET next = max(next, ?) + 1 WHERE idx = ? RETURNING next - 1 AS docno").pluck(),
      putDoc: this.sql.prepare("INSERT INTO search_docs (idx, doc, docno, created) VALUES (?, ?, ?, ?)"),
      docnoOf: this.sql.prepare("SELECT docno FROM search_docs WHERE idx = ? AND doc = ?").pluck(),
      delDoc: this.sql.prepare("DELETE FROM search_docs WHERE idx = ? AND doc = ?"),
      // The term's row (first = OPEN) holds its df, version and open block, which takes new postings
      // (appended in SQLite); full, the block is sealed: one statement per term an insert adds.
      append: this.sql.prepare(
        `INSERT INTO search_blocks (idx, term, first, data, df, ver)
         SELECT ?, value ->> 0, ${OPEN}, unhex(value ->> 1), 1, ? FROM json_each(?) WHERE true
         ON CONFLICT (idx, term, first) DO UPDATE SET data = CAST(data || excluded.data AS BLOB), df = df + 1, ver = excluded.ver
         RETURNING term, length(data) AS bytes, substr(data, 1, 4) AS head`,
      ),
      decTerm: this.sql.prepare(`UPDATE search_blocks SET df = df - 1, ver = ? WHERE idx = ? AND term = ? AND first = ${OPEN}`),
      dropTerm: this.sql.prepare(`DELETE FROM search_blocks WHERE idx = ? AND term = ? AND first = ${OPEN} AND df <= 0`),
      newSegment: this.sql.prepare(
        `INSERT INTO search_blocks (idx, term, first, data) SELECT idx, term, ?, data FROM search_blocks WHERE idx = ? AND term = ? AND first = ${OPEN}`,
      ),
      lastSegment: this.sql.prepare(
        `SELECT first, length(data) AS bytes FROM search_blocks WHERE idx = ? AND term = ? AND first > ${OPEN} ORDER BY first DESC LIMIT 1`,
      ),
      // The full open block joins the term's last segment: one statement reads it, appends it and (below) drops it.
      extend: this.sql.prepare(
        `UPDATE search_blocks SET data = CAST(data || (SELECT data FROM search_blocks WHERE idx = ? AND term = ? AND first = ${OPEN}) AS BLOB)
         WHERE idx = ? AND term = ? AND first = ?`,
      ),
      emptyOpen: this.sql.prepare(`UPDATE search_blocks SET data = x'' WHERE idx = ? AND term = ? AND first = ${OPEN}`),
      blockHolding: this.sql.prepare(
        "SELECT first, data FROM search_blocks WHERE idx = ? AND term = ? AND first <= ? ORDER BY first DESC LIMIT 1",
      ),
      openBlock: this.sql.prepare(`SELECT first, data FROM search_blocks WHERE idx = ? AND term = ? AND first = ${OPEN}`),
      setBlock: this.sql.prepare("UPDATE search_blocks SET data = ? WHERE idx = ? AND term = ? AND first = ?"),
      delBlock: this.sql.prepare("DELETE FROM search_blocks WHERE idx = ? AND term = ? AND first = ?"),
    };
    this.version =
      Math.max(
        (this.sql.prepare("SELECT max(ver) FROM search_blocks").pluck().get() as number | null) ?? 0,
        (this.sql.prepare("SELECT max(ver) FROM search_indexes").pluck().get() as number | null) ?? 0,
      ) + 1;
    this.docno = (this.sql.prepare("SELECT max(next) FROM search_indexes").pluck().get() as number | null) ?? 0;
    store.writeHooks.push((tableKey, doc, previous, touched) => this.onWrite(tableKey, doc, previous, touched));
  }

  /** Declares a table's search indexes (from the schema); an index whose definition changed is rebuilt. */
  define(tableKey: string, defs: SearchIndexDef[]) {
    for (const def of defs) checkIndexDef(tableKey.split(":")[1], def);
    this.byTable.set(tableKey, defs);
    const prefix = `${tableKey}.`;
    const stored = (
      this.sql.prepare("SELECT idx, def FROM search_indexes WHERE substr(idx, 1, ?) = ?").all(prefix.length, prefix) as {
        idx: string;
        def: string;
      }[]
    ).filter((row) => !row.idx.slice(prefix.length).includes("."));
    const wanted = new Map(defs.map((d) => [`${prefix}${d.name}`, JSON.stringify(d)]));
    const stale = stored.filter((row) => wanted.get(row.idx) !== row.def);
    const fresh = defs.filter((d) => stored.find((row) => row.idx === `${prefix}${d.name}`)?.def !== JSON.stringify(d));
    if (stale.length === 0 && fresh.length === 0) return;
    this.store.transaction(() => {
      for (const row of stale) this.drop(row.idx);
      for (const def of fresh) {
        const idx = `${prefix}${def.name}`;
        this.sql
          .prepare("INSERT INTO search_indexes (idx, def, docs, tokens, next, ver) VALUES (?, ?, 0, 0, 0, ?)")
          .run(idx, JSON.stringify(def), this.version++);
        for (const { json } of this.sql.prepare("SELECT json FROM documents WHERE tbl = ?").all(tableKey) as { json: string }[]) {
          this.add(idx, def, parseDoc(json));
        }
      }
    });
  }

  private drop(idx: string) {
    for (const table of ["search_blocks", "search_docs", "search_indexes"]) {
      this.sql.prepare(`DELETE FROM ${table} WHERE idx = ?`).run(idx);
    }
  }

  definition(tableKey: string, name: string): SearchIndexDef | undefined {
    return this.byTable.get(tableKey)?.find((d) => d.name === name);
  }

  private onWrite(tableKey: string, doc: Doc | null, previous: Doc | null, touched?: WriteSet) {
    const defs = this.byTable.get(tableKey);
    if (!defs) return;
    for (const def of defs) {
      const idx = `${tableKey}.${def.name}`;
      const before = previous ? this.entry(def, previous) : null;
      const after = doc ? this.entry(def, doc) : null;
      for (const term of new Set([...(before?.tf.keys() ?? []), ...(after?.tf.keys() ?? [])])) {
        touched?.touch(tableKey, def.name, Buffer.from(term));
      }
      if (before && after && sameEntry(before, after)) continue;
      if (previous && before) this.remove(idx, previous._id, before);
      if (doc) this.add(idx, def, doc, after!);
    }
  }

  private entry(def: SearchIndexDef, doc: Doc) {
    return { ...analyze(fieldValue(doc, def.searchField)), filt: filterHashes(def.filterFields.map((f) => fieldValue(doc, f))) };
  }

  private add(idx: string, def: SearchIndexDef, doc: Doc, entry: IndexEntry = this.entry(def, doc)) {
    this.stmt.addStats.run(1, entry.length, this.version++, idx);
    if (entry.tf.size === 0) return;
    const docno = this.stmt.takeDocno.get(this.docno, idx) as number;
    this.docno = docno + 1;
    this.stmt.putDoc.run(idx, doc._id, docno, doc._creationTime);
    const width = entryWidth(def.filterFields.length);
    // The newest number: each posting goes at the end of its term's open block (one statement for all); a full one is sealed.
    const postings = [...entry.tf].map(([term, tf]) => [
      term,
      encodeEntry({ docno, tf, len: entry.length, filt: entry.filt }).toString("hex"),
    ]);
    const open = this.stmt.append.all(idx, this.version++, JSON.stringify(postings)) as Array<{
      term: string;
      bytes: number;
      head: Buffer;
    }>;
    for (const block of open) if (!fits(block.bytes, width)) this.seal(idx, block.term, block.bytes, block.head.readUInt32LE(0));
  }

  /** Seals a term's full open block: appended to its last segment while that stays within SEGMENT_BYTES, else a segment of its own. */
  private seal(idx: string, term: string, bytes: number, head: number) {
    const last = this.stmt.lastSegment.get(idx, term) as { first: number; bytes: number } | undefined;
    if (last && last.bytes + bytes <= SEGMENT_BYTES) this.stmt.extend.run(idx, term, idx, term, last.first);
    else this.stmt.newSegment.run(head, idx, term);
    this.stmt.emptyOpen.run(idx, term);
  }

  private remove(idx: string, id: string, entry: IndexEntry) {
    this.stmt.addStats.run(-1, -entry.length, this.version++, idx);
    if (entry.tf.size === 0) return;
    const docno = this.stmt.docnoOf.get(idx, id) as number | undefined;
    if (docno === undefined) return;
    this.stmt.delDoc.run(idx, id);
    const width = ENTRY_HEADER + entry.filt.length;
    for (const term of entry.tf.keys()) {
      // In the sealed block starting at or before it, else in the open block (which holds the newest numbers).
      let block = this.stmt.blockHolding.get(idx, term, docno) as Block | undefined;
      let rest = block && withoutDocno(block.data, width, docno);
      if (!rest) {
        block = this.stmt.openBlock.get(idx, term) as Block | undefined;
        rest = block && withoutDocno(block.data, width, docno);
      }
      if (block && rest) {
        if (rest.length === 0 && block.first !== OPEN) this.stmt.delBlock.run(idx, term, block.first);
        else this.stmt.setBlock.run(rest, idx, term, block.first);
      }
      this.stmt.decTerm.run(this.version++, idx, term);
      this.stmt.dropTerm.run(idx, term);
    }
  }

  /** `lookup()`'s rows (index terms matching `text`), remembered for the index's version. */
  private expand(stats: Stats | undefined, key: string, text: string, lookup: () => TermRow[]): TermRow[] {
    if (!stats) return [];
    const memo = `${key}\0${stats.ver}\0${text}`;
    let rows = this.expansions.get(memo);
    if (!rows) {
      if (this.expansions.size >= MAX_EXPANSIONS) this.expansions.clear();
      this.expansions.set(memo, (rows = lookup()));
    }
    return rows;
  }

  /** The statements a search reads with, prepared on `db` (the store's connection or a snapshot's, read-only). */
  private readerOf(db: Database.Database): Reader {
    let reader = this.readers.get(db);
    if (!reader) {
      reader = {
        stats: db.prepare("SELECT docs, tokens, ver FROM search_indexes WHERE idx = ?"),
        df: db.prepare(`SELECT df, ver FROM search_blocks WHERE idx = ? AND term = ? AND first = ${OPEN}`),
        prefix: db.prepare(
          `SELECT term, df, ver FROM search_blocks WHERE idx = ? AND term >= ? AND term < ? AND first = ${OPEN} ORDER BY term LIMIT ${MAX_PREFIX_MATCHES_PER_QUERY_TERM}`,
        ),
        blocks: db.prepare("SELECT first, data FROM search_blocks WHERE idx = ? AND term = ?").raw(),
        infoOf: db.prepare("SELECT doc AS id, created FROM search_docs WHERE idx = ? AND docno = ?"),
        infosOf: db.prepare(
          "SELECT docno, doc AS id, created FROM search_docs WHERE idx = ? AND docno IN (SELECT value FROM json_each(?))",
        ),
      };
      this.readers.set(db, reader);
    }
    return reader;
  }

  /**
   * Runs a search (lib.rs `search`): every index term a query term matches (the last one as a
   * prefix, its 16 smallest expansions), BM25 over the whole index with prefix-only matches at
   * half weight, documents holding at least one term and every `eq` value, best first, newest
   * first among equals, at most MAX_CANDIDATE_REVISIONS. The best k are found exactly, pruning
   * documents that cannot reach the k-th score (searchRanking.ts, as Convex's top-k does), from
   * decoded postings (cached by version); results are handed out lazily, a batch at a time.
   * The index is read on `at`: the store's connection, or a snapshot's (a read transaction of
   * its own), so hits and documents are of one state — ids of results are looked up there too,
   * as they are handed out, so a SearchResults must be read before its connection moves on.
   */
  search(
    tableKey: string,
    indexName: string,
    filters: SearchFilterJson[],
    reads: ReadSet,
    docs: Pick<DocumentStore, "getJson"> = this.store,
    at: Database.Database = this.sql,
  ): SearchResults {
    const read = this.readerOf(at);
    const def = this.definition(tableKey, indexName);
    const printable = `${tableKey.split(":")[1]}.${indexName}`;
    if (!def) throw new SearchError("IndexNotFound", `Index ${printable} not found.`);
    const { terms, eqs } = compileSearch(printable, def, filters);
    const idx = `${tableKey}.${indexName}`;
    const stats = read.stats.get(idx) as Stats | undefined;
    // Term → [matched only as a prefix, query term order].
    const matched = new Map<string, { prefixOnly: boolean; order: number; df: number; ver: number }>();
    terms.forEach((term, order) => {
      const key = Buffer.from(term.text);
      if (term.prefix) {
        reads.range(tableKey, indexName, key, Buffer.concat([key, Buffer.from([0xff])]));
        for (const row of this.expand(stats, idx, term.text, () => read.prefix.all(idx, term.text, term.text + MAX_CHAR) as TermRow[])) {
          const prefixOnly = row.term !== term.text;
          const seen = matched.get(row.term);
          if (!seen || (seen.prefixOnly && !prefixOnly))
            matched.set(row.term, { prefixOnly, order: seen?.order ?? order, df: row.df, ver: row.ver });
        }
      } else {
        reads.range(tableKey, indexName, key, Buffer.concat([key, Buffer.from([0])]));
        const [row] = this.expand(stats, `${idx}\0=`, term.text, () => {
          const found = read.df.get(idx, term.text) as TermRow | undefined;
          return found ? [{ ...found, term: term.text }] : [];
        });
        if (row && !matched.has(term.text)) matched.set(term.text, { prefixOnly: false, order, df: row.df, ver: row.ver });
      }
    });
    const chosen = [...matched]
      .sort((a, b) => Number(a[1].prefixOnly) - Number(b[1].prefixOnly) || a[1].order - b[1].order)
      .slice(0, MAX_UNIQUE_QUERY_TERMS);
    if (!stats) return SearchResults.empty(docs); // an index the snapshot predates
    if (chosen.length === 0 || stats.docs <= 0) return SearchResults.empty(docs);

    const averageLength = Math.max(stats.tokens / stats.docs, 1e-9);
    // Every `eq` is a condition on its filter field's hash in each entry (the values are compared again as documents are read).
    const conditions: HashCondition[] = eqs.map((eq) => {
      const hash = hashValue(eq.value);
      const offset = ENTRY_HEADER + def.filterFields.indexOf(eq.field) * HASH_BYTES;
      return { offset, lo: hash.readInt32LE(0), hi: hash.readInt32LE(4) };
    });
    const width = entryWidth(def.filterFields.length);
    const infos = this.docInfos;
    if (infos.size > MAX_DOC_INFOS) infos.clear();
    const infoOf = (docno: number) => {
      let info = infos.get(docno);
      if (info === undefined) infos.set(docno, (info = read.infoOf.get(idx, docno) as DocInfo));
      return info;
    };
    const load = (docnos: number[]) => {
      const missing = docnos.filter((d) => !infos.has(d));
      if (missing.length === 0) return;
      for (const row of read.infosOf.all(idx, JSON.stringify(missing)) as Array<DocInfo & { docno: number }>) {
        infos.set(row.docno, { id: row.id, created: row.created });
      }
    };
    const ranked = chosen.map(([term, info]) => ({
      postings: this.postings.get(`${idx}\0${term}`, info.ver, () =>
        TermPostings.decode(inDocnoOrder(read.blocks.all(idx, term) as Array<[number, Buffer]>), width),
      ),
      weight: idf(info.df, stats.docs) * (info.prefixOnly ? PREFIX_BOOST : 1),
    }));
    const ranking = new Ranking(ranked, averageLength, conditions, load, infoOf);
    const source = () => {
      const next = ranking.next();
      if (!next) return null;
      return { id: next.id, key: encodeKey([-next.score, -next.created, next.id]) };
    };
    const check =
      eqs.length === 0 ? null : (doc: Doc) => eqs.every((eq) => encodeKey([fieldValue(doc, eq.field)]).equals(encodeKey([eq.value])));
    return new SearchResults(source, docs, check);
  }
}

/**
 * A term's blocks (rows in key order: the open block, first = OPEN, before the sealed segments)
 * in document-number order: the open block holds the newest numbers, so it goes last and the
 * postings decode without a sort.
 */
export function inDocnoOrder(rows: Array<[first: number, data: Buffer]>): Buffer[] {
  const sealed: Buffer[] = [];
  const open: Buffer[] = [];
  for (const [first, data] of rows) (first === OPEN ? open : sealed).push(data);
  return sealed.concat(open);
}

function sameEntry(a: { tf: Map<string, number>; length: number; filt: Buffer }, b: typeof a): boolean {
  if (a.length !== b.length || a.tf.size !== b.tf.size || !a.filt.equals(b.filt)) return false;
  for (const [term, tf] of a.tf) if (b.tf.get(term) !== tf) return false;
  return true;
}

function hashValue(value: Value): Buffer {
  return createHash("sha256")
    .update(encodeKey([value]))
    .digest()
    .subarray(0, HASH_BYTES);
}

function filterHashes(values: Value[]): Buffer {
  return Buffer.concat(values.map(hashValue));
}

const instances = new WeakMap<DocumentStore, SearchIndexes>();

/** The search indexes kept beside a store (created on first use). */
export function searchIndexesOf(store: DocumentStore): SearchIndexes {
  let indexes = instances.get(store);
  if (!indexes) instances.set(store, (indexes = new SearchIndexes(store)));
  return indexes;
}

/** A search index as `defineSchema(...).export()` describes it. */
export type SchemaSearchIndex = { indexDescriptor: string; searchField: string; filterFields: string[] };

/** The loader's hook: a table's search indexes from its schema. */
export function defineSearchIndexes(store: DocumentStore, tableKey: string, indexes: SchemaSearchIndex[]) {
  searchIndexesOf(store).define(
    tableKey,
    indexes.map((i) => ({ name: i.indexDescriptor, searchField: i.searchField, filterFields: i.filterFields })),
  );
}
