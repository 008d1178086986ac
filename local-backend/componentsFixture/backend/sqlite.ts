"use node";
/** better-sqlite3 is native: it runs only when kept external (convex.json node.externalPackages). */
import Database from "better-sqlite3";
import { actionGeneric } from "convex/server";

export const answer = actionGeneric({
  args: {},
  handler: async () => {
    const db = new Database(":memory:");
    try {
      return (db.prepare("select 40 + 2 as v").get() as { v: number }).v;
    } finally {
      db.close();
    }
  },
});
