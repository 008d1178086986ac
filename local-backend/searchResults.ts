/**
 * The results of one search (search.ts), handed out in order to a query stream, as Convex's
 * search query does (database/src/query/search_query.rs): at most MAX_CANDIDATE_REVISIONS, asking
 * for one more fails; documents are read as they are handed out and checked against the `eq`
 * values themselves (a filter-hash collision never leaks a row).
 */
import { parseDoc, type Doc, type DocumentStore } from "./database";
import { MAX_CANDIDATE_REVISIONS, SearchError } from "./searchText";

export type SearchHit = { id: string; key: Buffer };

/** The results of one search, handed out in order (a query stream's source). */
export class SearchResults {
  private handed = 0;
  private pending: SearchHit | null = null;
  constructor(
    /** The next result in order (at most MAX_CANDIDATE_REVISIONS are asked for), or null at the end. */
    private source: () => SearchHit | null,
    /** Where the documents are read: the execution's snapshot or transaction, or the store. */
    private readonly docs: Pick<DocumentStore, "getJson">,
    private readonly check: ((doc: Doc) => boolean) | null,
  ) {}

  static empty(docs: Pick<DocumentStore, "getJson">) {
    return new SearchResults(() => null, docs, null);
  }

  /**
   * Reads every result (up to MAX_CANDIDATE_REVISIONS) now: for a search whose connection will
   * not stay as it was (a mutation's tentative writes, rolled back once the search returns).
   */
  materialized(): this {
    const hits: SearchHit[] = [];
    for (let hit; this.handed + hits.length < MAX_CANDIDATE_REVISIONS && (hit = this.source());) hits.push(hit);
    let next = 0;
    this.source = () => hits[next++] ?? null;
    return this;
  }

  private peek(): SearchHit | null {
    if (!this.pending && this.handed < MAX_CANDIDATE_REVISIONS) this.pending = this.source();
    return this.pending;
  }

  /** Drops the results up to and including `cursor` (a page's continue cursor). */
  skipThrough(cursor: Buffer) {
    for (let hit = this.peek(); hit && Buffer.compare(hit.key, cursor) <= 0; hit = this.peek()) {
      this.pending = null;
      this.handed++;
    }
  }

  /** Up to `limit` more documents (stored JSON). Past MAX_CANDIDATE_REVISIONS it fails, as Convex does. */
  take(limit: number): Array<{ json: string; key: Buffer }> {
    const rows: Array<{ json: string; key: Buffer }> = [];
    while (rows.length < limit) {
      if (this.handed === MAX_CANDIDATE_REVISIONS) {
        if (rows.length > 0) break;
        throw new SearchError(
          "SearchQueryScannedTooManyDocumentsError",
          `Search query scanned too many documents (fetched ${MAX_CANDIDATE_REVISIONS}). Consider using a smaller limit, paginating the query, or using a filter field to limit the number of documents pulled from the search index.`,
        );
      }
      const hit = this.peek();
      if (!hit) break;
      this.pending = null;
      this.handed++;
      const json = this.docs.getJson(hit.id);
      if (json === null) continue;
      // Filter hashes matched; the values themselves are compared here (a hash collision never leaks a row).
      if (this.check && !this.check(parseDoc(json))) continue;
      rows.push({ json, key: hit.key });
    }
    return rows;
  }
}
