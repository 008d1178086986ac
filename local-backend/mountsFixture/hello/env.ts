import { queryGeneric } from "convex/server";

export const read = queryGeneric({
  args: {},
  handler: async () => ({
    GREETING: process.env.GREETING ?? null,
    MODE: process.env.MODE ?? null,
    ROOT_ONLY: process.env.ROOT_ONLY ?? null,
    CONVEX_SITE_URL: process.env.CONVEX_SITE_URL ?? null,
  }),
});
