/**
 * Convex's full text search rules as pure functions: tokenizing, compiling a search filter
 * expression, BM25 scoring. The numbers and error codes are Convex's own
 * (get-convex/convex-backend, crates/search/src/constants.rs and crates/search/src/lib.rs
 * `compile`; docs/search/text-search.mdx "Limits").
 */
import { jsonToConvex } from "convex/values";
import { valueFromJson, type Value } from "./keys";

/** constants.rs MAX_QUERY_TERMS: words of a query past the 16th are dropped. */
export const MAX_QUERY_TERMS = 16;
/** constants.rs MAX_TEXT_TERM_LENGTH with Tantivy's RemoveLongFilter: a token of 32 or more UTF-8 bytes is dropped. */
export const MAX_TEXT_TERM_LENGTH = 32;
/** constants.rs MAX_CANDIDATE_REVISIONS: results a search yields; asking for one more fails (database/src/query/search_query.rs). */
export const MAX_CANDIDATE_REVISIONS = 1024;
/** constants.rs MAX_FILTER_CONDITIONS: `.eq` expressions in one query. */
export const MAX_FILTER_CONDITIONS = 8;
/** Filter fields one search index may declare (text-search.mdx "Up to 16 filter fields"). */
export const MAX_FILTER_FIELDS = 16;
/** constants.rs MAX_PREFIX_MATCHES_PER_QUERY_TERM: index terms the prefix (last) query term expands to, smallest first. */
export const MAX_PREFIX_MATCHES_PER_QUERY_TERM = 16;
/** constants.rs MAX_UNIQUE_QUERY_TERMS: posting lists one query reads. */
export const MAX_UNIQUE_QUERY_TERMS = 64;
/** lib.rs `search` step 4: a term matched only as a prefix weighs half. */
export const PREFIX_BOOST = 0.5;
/** Tantivy's BM25 constants. */
const K1 = 1.2;
const B = 0.75;

export type SearchIndexDef = { name: string; searchField: string; filterFields: string[] };
export type QueryTerm = { text: string; prefix: boolean };
export type EqCondition = { field: string; value: Value };
export type CompiledSearch = { terms: QueryTerm[]; eqs: EqCondition[] };
export type SearchFilterJson = { type: "Search" | "Eq"; fieldPath: string; value: unknown };

/** An error Convex reports with this code (the client sees the message). */
export class SearchError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// Tantivy's SimpleTokenizer splits on every char that is not `char::is_alphanumeric`
// (Unicode Alphabetic or Numeric); constants.rs `convex_en` then drops long tokens and lower-cases.
const WORD = /[\p{Alphabetic}\p{N}]+/gu;

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const [word] of text.matchAll(WORD)) {
    if (Buffer.byteLength(word) < MAX_TEXT_TERM_LENGTH) tokens.push(word.toLowerCase());
  }
  return tokens;
}

/** Term frequencies and token count of a document's search field (a non-string field has no terms). */
export function analyze(value: Value): { tf: Map<string, number>; length: number } {
  const tf = new Map<string, number>();
  const tokens = typeof value === "string" ? tokenize(value) : [];
  for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  return { tf, length: tokens.length };
}

/** Checks a `withSearchIndex` filter expression against the index, as lib.rs `compile` does. */
export function compileSearch(indexName: string, def: SearchIndexDef, filters: SearchFilterJson[]): CompiledSearch {
  let text: string | null = null;
  const eqs: EqCondition[] = [];
  for (const filter of filters) {
    if (filter.type === "Search") {
      if (filter.fieldPath !== def.searchField) {
        throw new SearchError(
          "IncorrectSearchField",
          `Search query against ${indexName} contains a search filter against "${filter.fieldPath}", which doesn't match the indexed \`searchField\` "${def.searchField}".`,
        );
      }
      if (text !== null) {
        throw new SearchError(
          "DuplicateSearchFiltersError",
          `Search query against ${indexName} contains multiple search filters against "${filter.fieldPath}". Only one is allowed.`,
        );
      }
      if (typeof filter.value !== "string")
        throw new SearchError("InvalidSearchQuery", `Search query against ${indexName} must search for a string.`);
      text = filter.value;
    } else if (filter.type === "Eq") {
      if (!def.filterFields.includes(filter.fieldPath)) {
        throw new SearchError(
          "IncorrectFilterFieldError",
          `Search query against ${indexName} contains an equality filter on "${filter.fieldPath}" but that field isn't indexed for filtering in \`filterFields\`.`,
        );
      }
      eqs.push({ field: filter.fieldPath, value: valueFromJson(filter.value, jsonToConvex) });
    } else {
      throw new SearchError("InvalidSearchFilter", `Search query against ${indexName} has an unknown filter.`);
    }
  }
  if (text === null) {
    throw new SearchError(
      "MissingSearchFilterError",
      `Search query against ${indexName} does not contain any search filters. You must include a search filter like \`q.search("${def.searchField}", searchText)\`.`,
    );
  }
  if (eqs.length > MAX_FILTER_CONDITIONS) {
    throw new SearchError(
      "TooManyFilterConditionsInSearchQueryError",
      `Search query against ${indexName} has too many filter conditions. Max: ${MAX_FILTER_CONDITIONS} Actual: ${eqs.length}`,
    );
  }
  const tokens = tokenize(text).slice(0, MAX_QUERY_TERMS);
  // Typeahead (lib.rs compile_tokens_with_typo_tolerance): only the last term matches as a prefix.
  return { terms: tokens.map((t, i) => ({ text: t, prefix: i === tokens.length - 1 })), eqs };
}

/** Checks an index definition from the schema (text-search.mdx "Limits"). */
export function checkIndexDef(tableName: string, def: SearchIndexDef) {
  if (def.filterFields.length > MAX_FILTER_FIELDS) {
    throw new SearchError(
      "TooManyFilterFields",
      `Search index ${tableName}.${def.name} has ${def.filterFields.length} filter fields; the limit is ${MAX_FILTER_FIELDS}.`,
    );
  }
  if (new Set(def.filterFields).size !== def.filterFields.length || def.filterFields.includes(def.searchField)) {
    throw new SearchError("DuplicateSearchIndexField", `Search index ${tableName}.${def.name} names a field twice.`);
  }
}

/** BM25 inverse document frequency (Tantivy's form, never negative). */
export function idf(docFrequency: number, documents: number): number {
  return Math.log(1 + (documents - docFrequency + 0.5) / (docFrequency + 0.5));
}

/** One term's BM25 contribution for a document of `length` tokens holding it `tf` times. */
export function termScore(weight: number, tf: number, length: number, averageLength: number): number {
  return (weight * (tf * (K1 + 1))) / (tf + K1 * (1 - B + (B * length) / averageLength));
}
