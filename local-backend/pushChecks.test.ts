/**
 * Push-time checks as `npx convex deploy` makes them (pushChecks.ts: crates/common/src/schemas/json.rs,
 * types/index.rs, bootstrap_model/index/index_validation_error.rs, crates/convex/sync_types/src/
 * identifier.rs, application_function_runner/mod.rs validate_cron_jobs): refused code never loads,
 * at start or on a hot reload, which keeps serving the last good version.
 */
import { ConvexHttpClient } from "convex/browser";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { APP_PROJECT, spawnBackend } from "./testing";

function projectWith(files: Record<string, string>) {
  const project = mkdtempSync(path.join(tmpdir(), "reelgate-push-"));
  mkdirSync(path.join(project, "convex"));
  for (const [name, source] of Object.entries(files)) writeFileSync(path.join(project, "convex", name), source);
  mkdirSync(path.join(project, "node_modules"));
  symlinkSync(path.join(APP_PROJECT, "node_modules", "convex"), path.join(project, "node_modules", "convex"));
  return project;
}

const schema = (tables: string) =>
  `import { defineSchema, defineTable } from "convex/server";\nimport { v } from "convex/values";\nexport default defineSchema({ ${tables} });\n`;
const notes = `import { mutationGeneric, queryGeneric } from "convex/server";
import { v } from "convex/values";
export const add = mutationGeneric({ args: { text: v.string() }, handler: async (ctx, { text }) => { await ctx.db.insert("notes", { text }); } });
export const list = queryGeneric({ args: {}, handler: async (ctx) => (await ctx.db.query("notes").withIndex("by_text").collect()).map((n) => n.text) });
`;
const GOOD = schema(`notes: defineTable({ text: v.string() }).index("by_text", ["text"])`);
const manyFields = Array.from({ length: 17 }, (_, i) => `f${i}`);

const refused: Array<[string, Record<string, string>, string]> = [
  [
    "a reserved index name",
    { "schema.ts": schema(`notes: defineTable({ text: v.string() }).index("by_creation_time", ["text"])`) },
    'IndexNameReserved: In table "notes" cannot name an index "by_creation_time" because the name is reserved.',
  ],
  [
    "an index name starting with _",
    { "schema.ts": schema(`notes: defineTable({ text: v.string() }).index("_mine", ["text"])`) },
    'cannot name an index "_mine" because the name is reserved',
  ],
  [
    "an index name over 64 characters",
    { "schema.ts": schema(`notes: defineTable({ text: v.string() }).index("${"i".repeat(65)}", ["text"])`) },
    `InvalidIndexName: Invalid index name: "${"i".repeat(65)}". Identifiers must be 64 characters or less`,
  ],
  [
    "_creationTime in an index",
    { "schema.ts": schema(`notes: defineTable({ text: v.string() }).index("by_time", ["text", "_creationTime"])`) },
    "IndexFieldsContainCreationTime: `_creationTime` is automatically added to the end of each index.",
  ],
  [
    "17 index fields",
    { "schema.ts": schema(`notes: defineTable(v.any()).index("wide", ${JSON.stringify(manyFields)})`) },
    "IndexTooManyFields: Indexes may have up to 16 fields.",
  ],
  [
    "two indexes on the same fields (json.rs validate_unique_index_fields)",
    { "schema.ts": schema(`notes: defineTable({ text: v.string() }).index("by_a", ["text"]).index("by_b", ["text"])`) },
    'IndexNotUnique: In table "notes" index "by_b" and index "by_a" have the same fields. Indexes must be unique within a table.',
  ],
  [
    "65 indexes in a table (schemas/mod.rs MAX_INDEXES_PER_TABLE)",
    {
      "schema.ts": schema(`notes: defineTable(v.any())${Array.from({ length: 65 }, (_, i) => `.index("by_f${i}", ["f${i}"])`).join("")}`),
    },
    'TooManyIndexes: Table "notes" cannot have more than 64 indexes.',
  ],
  [
    "a search index with a reserved name (json.rs: every kind of index's name is checked)",
    { "schema.ts": schema(`notes: defineTable({ text: v.string() }).searchIndex("by_id", { searchField: "text" })`) },
    'IndexNameReserved: In table "notes" cannot name an index "by_id" because the name is reserved.',
  ],
  [
    "a search index named as a database index",
    {
      "schema.ts": schema(
        `notes: defineTable({ text: v.string() }).index("by_text", ["text"]).searchIndex("by_text", { searchField: "text" })`,
      ),
    },
    'IndexNamesNotUnique: Table "notes" has two or more definitions of index "by_text".',
  ],
  [
    "a search index with 17 filter fields (bootstrap_model/index/mod.rs MAX_TEXT_INDEX_FILTER_FIELDS_SIZE)",
    {
      "schema.ts": schema(
        `notes: defineTable(v.any()).searchIndex("search_text", { searchField: "text", filterFields: ${JSON.stringify(manyFields)} })`,
      ),
    },
    'IndexTooManyFilterFields: In table "notes": Search indexes may have up to 16 filter fields.',
  ],
  [
    "a table name with a dash",
    { "schema.ts": schema(`"my-notes": defineTable({ text: v.string() })`) },
    'InvalidTableName: Invalid table name: "my-notes". Identifiers must start with a letter',
  ],
  [
    "a table name starting with _",
    { "schema.ts": schema(`_notes: defineTable({ text: v.string() })`) },
    "TableNameReserved: _notes is a reserved table name.",
  ],
  [
    "a cron on a query",
    {
      "notes.ts": notes,
      "crons.ts": `import { cronJobs, makeFunctionReference } from "convex/server";\nconst crons = cronJobs();\ncrons.interval("peek", { minutes: 5 }, makeFunctionReference<"mutation">("notes:list"));\nexport default crons;\n`,
    },
    "The cron job 'peek' schedules a query function, only actions and mutations can be scheduled: notes.js:list",
  ],
  [
    "a cron on a missing function",
    {
      "notes.ts": notes,
      "crons.ts": `import { cronJobs, makeFunctionReference } from "convex/server";\nconst crons = cronJobs();\ncrons.interval("gone", { minutes: 5 }, makeFunctionReference<"mutation">("notes:missing"));\nexport default crons;\n`,
    },
    "The cron job 'gone' schedules a function that does not exist: notes.js:missing",
  ],
];

test.each(refused)("%s is refused at start with Convex's message", async (_what, files, message) => {
  const output = await spawnBackend({ projectDir: projectWith(files) }).then(
    async (running) => {
      await running.stop();
      return "";
    },
    (error: { output?: string }) => error.output ?? String(error),
  );
  expect(output).toContain(message);
});

test("a refused hot reload keeps the last good version serving (schema, indexes and functions)", async () => {
  const project = projectWith({ "schema.ts": GOOD, "notes.ts": notes });
  const backend = await spawnBackend({ projectDir: project, watch: true });
  try {
    const http = new ConvexHttpClient(backend.cloudUrl);
    await http.mutation("notes:add" as never, { text: "kept" } as never);
    writeFileSync(
      path.join(project, "convex", "schema.ts"),
      schema(`notes: defineTable({ text: v.string() }).index("by_text", ["text"]).index("by_id", ["text"])`),
    );
    await expect
      .poll(() => backend.output(), { timeout: 10_000 })
      .toContain('IndexNameReserved: In table "notes" cannot name an index "by_id"');
    expect(await http.query("notes:list" as never, {} as never)).toEqual(["kept"]);
    // The old schema still holds: its validator refuses a number.
    await expect(http.mutation("notes:add" as never, { text: 5 } as never)).rejects.toThrow();
    writeFileSync(path.join(project, "convex", "schema.ts"), GOOD);
    await expect.poll(() => backend.output(), { timeout: 10_000 }).toContain("Reloaded functions");
    expect(await http.query("notes:list" as never, {} as never)).toEqual(["kept"]);
  } finally {
    await backend.stop();
  }
}, 30_000);
