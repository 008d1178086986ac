import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  tags: defineTable({ tag: v.string(), count: v.number() }).index("by_tag", ["tag"]),
});
