/** Text search over the wire (fixture in searchFixture/): Convex's matching, order, filters, limits, pagination, reactivity, components. */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import WebSocket from "ws";
import { spawnBackend, type RunningBackend } from "./testing";

const SEARCH_PROJECT = path.join(path.dirname(fileURLToPath(import.meta.url)), "searchFixture");

let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: SEARCH_PROJECT });
  http = new ConvexHttpClient(backend.cloudUrl);
}, 60_000);
afterAll(async () => backend?.stop());
beforeEach(async () => {
  await call("mutation", "notes:clear");
});

const call = <T>(kind: "query" | "mutation", name: string, args: object = {}) =>
  (http[kind] as (n: never, a: never) => Promise<T>)(name as never, args as never);
const add = (body: string, channel = "general", extra: object = {}) => call<string>("mutation", "notes:add", { body, channel, ...extra });
const search = (text: string, args: object = {}) => call<string[]>("query", "notes:search", { text, ...args });

test("terms are words split on punctuation, lower-cased; any term matches; the last term matches as a prefix", async () => {
  await add("Al pastor TACOS, with pineapple");
  await add("Carnitas: slow-cooked pork");
  await add("pastel de nata");
  expect(await search("tacos")).toEqual(["Al pastor TACOS, with pineapple"]);
  expect(await search("SLOW")).toEqual(["Carnitas: slow-cooked pork"]);
  expect(await search("pork pineapple")).toHaveLength(2);
  expect((await search("past")).sort()).toEqual(["Al pastor TACOS, with pineapple", "pastel de nata"]);
  // Only the last term is a prefix; no fuzzy matches (Convex dropped them in 2025).
  expect(await search("past nata")).toEqual(["pastel de nata"]);
  expect(await search("past1r")).toEqual([]);
  expect(await search("")).toEqual([]);
  expect(await search("!!! ...")).toEqual([]);
});

test("relevance: more matching terms first, then more occurrences in a shorter field, then newest among equals", async () => {
  await add("red green blue yellow purple orange");
  await add("red blue");
  await add("red red red");
  await add("green");
  expect(await search("red blue")).toEqual(["red blue", "red green blue yellow purple orange", "red red red"]);
  expect((await search("red"))[0]).toBe("red red red");
  await add("same words");
  await add("same words");
  const newest = await add("same words", "other");
  const docs = await call<string[]>("query", "notes:search", { text: "same" });
  expect(docs).toHaveLength(3);
  // Ties come back newest first: the last one added is in channel "other".
  expect(await call<string[]>("query", "notes:search", { text: "same", channel: "other" })).toEqual(["same words"]);
  expect(newest).toBeTruthy();
});

test("an exact match outranks a prefix-only match of the last term", async () => {
  await add("cartography");
  await add("cart");
  expect(await search("cart")).toEqual(["cart", "cartography"]);
});

test("eq filters on filter fields, nested paths and missing fields; .filter() after the index", async () => {
  await add("launch video", "marketing", { author: "ann", tag: "q3" });
  await add("launch party", "social", { author: "bob" });
  await add("launch plan", "marketing");
  expect((await search("launch", { channel: "marketing" })).sort()).toEqual(["launch plan", "launch video"]);
  expect(await search("launch", { channel: "marketing", author: "ann" })).toEqual(["launch video"]);
  expect(await search("launch", { author: null })).toEqual(["launch plan"]);
  expect(await search("launch", { tag: "q3" })).toEqual(["launch video"]);
  expect(await search("launch", { channel: "nothing" })).toEqual([]);
  expect((await call<string[]>("query", "notes:searchFiltered", { text: "launch", notAuthor: "bob" })).sort()).toEqual([
    "launch plan",
    "launch video",
  ]);
});

test("take, first and paginate over relevance order; cursors continue where the page ended", async () => {
  for (const body of ["alpha alpha alpha", "alpha alpha", "alpha beta gamma delta"]) await add(body);
  expect(await search("alpha", { limit: 2 })).toEqual(["alpha alpha alpha", "alpha alpha"]);
  expect(await call("query", "notes:searchFirst", { text: "alpha" })).toBe("alpha alpha alpha");
  type Page = { page: string[]; isDone: boolean; continueCursor: string };
  const first = await call<Page>("query", "notes:page", { text: "alpha", paginationOpts: { numItems: 2, cursor: null } });
  expect(first.page).toEqual(["alpha alpha alpha", "alpha alpha"]);
  expect(first.isDone).toBe(false);
  const second = await call<Page>("query", "notes:page", { text: "alpha", paginationOpts: { numItems: 2, cursor: first.continueCursor } });
  expect(second.page).toEqual(["alpha beta gamma delta"]);
  expect(second.isDone).toBe(true);
});

test("a mutation sees its own inserts in the index; a failed mutation leaves none behind", async () => {
  expect(await call("mutation", "notes:addThenSearch", { body: "fresh idea", text: "fresh" })).toEqual(["fresh idea"]);
  await expect(call("mutation", "notes:addThenFail", { body: "ghost note" })).rejects.toThrow(/rolled back/);
  expect(await search("ghost")).toEqual([]);
});

test("edits and deletes update the index", async () => {
  const id = await add("draft title");
  await call("mutation", "notes:edit", { id, body: "final cut" });
  expect(await search("draft")).toEqual([]);
  expect(await search("final")).toEqual(["final cut"]);
  await call("mutation", "notes:edit", { id, channel: "archive" });
  expect(await search("final", { channel: "archive" })).toEqual(["final cut"]);
  expect(await search("final", { channel: "general" })).toEqual([]);
  await call("mutation", "notes:remove", { id });
  expect(await search("final")).toEqual([]);
});

test("Convex's limits: 1024 results at most, 8 filter expressions, the right search and filter fields", async () => {
  await call("mutation", "notes:addMany", { count: 1030, body: "bulk row", channel: "bulk" });
  expect(await search("bulk", { limit: 1000 })).toHaveLength(1000);
  await expect(search("bulk")).rejects.toThrow(/Search query scanned too many documents \(fetched 1024\)/);
  await expect(call("query", "notes:misuse", { kind: "tooManyFilters" })).rejects.toThrow(/too many filter conditions. Max: 8 Actual: 9/);
  await expect(call("query", "notes:misuse", { kind: "wrongField" })).rejects.toThrow(/doesn't match the indexed `searchField`/);
  await expect(call("query", "notes:misuse", { kind: "notFilterField" })).rejects.toThrow(/isn't indexed for filtering/);
  await expect(call("query", "notes:misuse", { kind: "noIndex" })).rejects.toThrow(/Index notes.search_nothing not found/);
}, 30_000);

test("search results count toward the transaction's read limits: a document and a read interval each, as Convex's get per result", async () => {
  for (const body of ["metric one", "metric two", "metric three", "metric four", "metric five"]) await add(body);
  type Used = { used: number };
  const { found, metrics } = await call<{ found: number; metrics: { documentsRead: Used; databaseQueries: Used; bytesRead: Used } }>(
    "query",
    "notes:searchMetrics",
    { text: "metric", limit: 3 },
  );
  expect(found).toBe(3);
  expect(metrics.documentsRead.used).toBe(3);
  expect(metrics.databaseQueries.used).toBe(3);
  expect(metrics.bytesRead.used).toBeGreaterThan(3 * "metric one".length);
});

test("a subscribed search re-runs when a matching document is added, edited or removed, not for unrelated writes", async () => {
  const client = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
  try {
    const updates: string[][] = [];
    const unsubscribe = client.onUpdate("notes:search" as never, { text: "trailer" } as never, (value: unknown) =>
      updates.push(value as string[]),
    );
    await expect.poll(() => updates.length).toBe(1);
    expect(updates[0]).toEqual([]);
    const id = await add("new trailer cut");
    await expect.poll(() => updates.at(-1)).toEqual(["new trailer cut"]);
    const seen = updates.length;
    await add("unrelated words");
    await add("trail mix"); // a prefix of the term, not a continuation of it
    await new Promise((r) => setTimeout(r, 300));
    expect(updates.length).toBe(seen);
    await call("mutation", "notes:edit", { id, body: "final trailers" });
    await expect.poll(() => updates.at(-1)).toEqual(["final trailers"]);
    await call("mutation", "notes:remove", { id });
    await expect.poll(() => updates.at(-1)).toEqual([]);
    unsubscribe();
  } finally {
    await client.close();
  }
});

test("search indexes inside a component are the component's own", async () => {
  await call("mutation", "inComponent:add", { body: "component scoped words", channel: "c" });
  await add("app scoped words");
  expect(await call("query", "inComponent:search", { text: "scoped" })).toEqual(["component scoped words"]);
  expect(await call("query", "inComponent:search", { text: "scoped", channel: "c" })).toEqual(["component scoped words"]);
  expect(await search("scoped")).toEqual(["app scoped words"]);
});

test("a search in a mutation reads its index at the mutation's snapshot; a commit in between makes it run again, as any read", async () => {
  const id = await add("apple pie");
  const marker = Math.random().toString(36).slice(2, 10);
  const [first, second] = [new ConvexHttpClient(backend.cloudUrl), new ConvexHttpClient(backend.cloudUrl)];
  // Its snapshot opens at once, its search runs a few hundred milliseconds later.
  const searching = first.mutation("notes:searchLater" as never, { text: "apple", spins: 60_000_000, marker } as never) as Promise<
    string[]
  >;
  await new Promise((r) => setTimeout(r, 100));
  await second.mutation("notes:edit" as never, { id, body: "banana bread" } as never);
  // Its committed run sees the edit; its first run saw the note as its snapshot had it (the latest
  // index would have had no posting for it), and the edit of a term it read was a conflict.
  expect(await searching).toEqual([]);
  const runs = backend
    .output()
    .split("\n")
    .filter((line) => line.includes(`${marker} found`));
  expect(runs.length).toBeGreaterThanOrEqual(2);
  expect(runs[0]).toContain(`${marker} found ["apple pie"]`);
  expect(runs.at(-1)).toContain(`${marker} found []`);
});
