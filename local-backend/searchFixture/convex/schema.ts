import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  notes: defineTable({
    body: v.string(),
    channel: v.string(),
    author: v.optional(v.string()),
    meta: v.optional(v.object({ tag: v.string() })),
  })
    .index("by_channel", ["channel"])
    .searchIndex("search_body", { searchField: "body", filterFields: ["channel", "author", "meta.tag"] }),
});
