import { mutationGeneric as mutation, paginationOptsValidator, queryGeneric as query } from "convex/server";
import { v } from "convex/values";

const filters = { channel: v.optional(v.string()), author: v.optional(v.union(v.string(), v.null())), tag: v.optional(v.string()) };
type Filters = { channel?: string; author?: string | null; tag?: string };

function searchQuery(db: any, text: string, f: Filters) {
  return db.query("notes").withSearchIndex("search_body", (q: any) => {
    let s = q.search("body", text);
    if (f.channel !== undefined) s = s.eq("channel", f.channel);
    if (f.author !== undefined) s = s.eq("author", f.author ?? undefined);
    if (f.tag !== undefined) s = s.eq("meta.tag", f.tag);
    return s;
  });
}

export const add = mutation({
  args: { body: v.string(), channel: v.string(), author: v.optional(v.string()), tag: v.optional(v.string()) },
  handler: async (ctx, { tag, ...note }) => await ctx.db.insert("notes", { ...note, ...(tag ? { meta: { tag } } : {}) }),
});
export const addMany = mutation({
  args: { count: v.number(), body: v.string(), channel: v.string() },
  handler: async (ctx, { count, body, channel }) => {
    for (let i = 0; i < count; i++) await ctx.db.insert("notes", { body, channel });
  },
});
export const edit = mutation({
  args: { id: v.id("notes"), body: v.optional(v.string()), channel: v.optional(v.string()) },
  handler: async (ctx, { id, ...patch }) => await ctx.db.patch(id, patch),
});
export const remove = mutation({ args: { id: v.id("notes") }, handler: async (ctx, { id }) => await ctx.db.delete(id) });
export const clear = mutation({
  args: {},
  handler: async (ctx) => {
    for (const n of await ctx.db.query("notes").collect()) await ctx.db.delete(n._id);
  },
});

export const search = query({
  args: { text: v.string(), limit: v.optional(v.number()), ...filters },
  handler: async (ctx, { text, limit, ...f }) => {
    const q = searchQuery(ctx.db, text, f);
    const docs = limit === undefined ? await q.collect() : await q.take(limit);
    return docs.map((d: { body: string }) => d.body);
  },
});
export const searchMetrics = query({
  args: { text: v.string(), limit: v.number() },
  handler: async (ctx, { text, limit }) => {
    const found = (await searchQuery(ctx.db, text, {}).take(limit)).length;
    return { found, metrics: await ctx.meta.getTransactionMetrics() };
  },
});
export const searchFirst = query({
  args: { text: v.string() },
  handler: async (ctx, { text }) => (await searchQuery(ctx.db, text, {}).first())?.body ?? null,
});
export const searchFiltered = query({
  args: { text: v.string(), notAuthor: v.string() },
  handler: async (ctx, { text, notAuthor }) =>
    (
      await searchQuery(ctx.db, text, {})
        .filter((q: any) => q.neq(q.field("author"), notAuthor))
        .collect()
    ).map((d: { body: string }) => d.body),
});
export const page = query({
  args: { text: v.string(), paginationOpts: paginationOptsValidator, ...filters },
  handler: async (ctx, { text, paginationOpts, ...f }) => {
    const result = await searchQuery(ctx.db, text, f).paginate(paginationOpts);
    return { ...result, page: result.page.map((d: { body: string }) => d.body) };
  },
});
export const addThenSearch = mutation({
  args: { body: v.string(), text: v.string() },
  handler: async (ctx, { body, text }) => {
    await ctx.db.insert("notes", { body, channel: "m" });
    return (await searchQuery(ctx.db, text, {}).collect()).map((d: { body: string }) => d.body);
  },
});
export const addThenFail = mutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    await ctx.db.insert("notes", { body, channel: "m" });
    throw new Error("rolled back");
  },
});

/** Misuse that Convex refuses. */
export const misuse = query({
  args: { kind: v.string() },
  handler: async (ctx, { kind }) => {
    const q = ctx.db.query("notes") as any;
    if (kind === "wrongField") return await q.withSearchIndex("search_body", (s: any) => s.search("channel", "x")).collect();
    if (kind === "notFilterField")
      return await q.withSearchIndex("search_body", (s: any) => s.search("body", "x").eq("body", "x")).collect();
    if (kind === "noIndex") return await q.withSearchIndex("search_nothing", (s: any) => s.search("body", "x")).collect();
    if (kind === "tooManyFilters") {
      return await q
        .withSearchIndex("search_body", (s: any) => {
          let f = s.search("body", "x");
          for (let i = 0; i < 9; i++) f = f.eq("channel", String(i));
          return f;
        })
        .collect();
    }
    return null;
  },
});
/** Busy for `spins` iterations after its snapshot opened, then searches and logs what it found (each run, retries included). */
export const searchLater = mutation({
  args: { text: v.string(), spins: v.number(), marker: v.string() },
  handler: async (ctx, { text, spins, marker }) => {
    let x = 0;
    for (let i = 0; i < spins; i++) x = (x * 31 + i) % 1000003;
    const found = (await searchQuery(ctx.db, text, {}).collect()).map((d: { body: string }) => d.body);
    console.log(`${marker} found ${JSON.stringify(found)} ${x}`);
    return found;
  },
});
