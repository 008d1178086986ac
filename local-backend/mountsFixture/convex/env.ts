import { componentsGeneric, queryGeneric } from "convex/server";

const components = componentsGeneric();

/** The app's own view of the environment, and the component's. */
export const both = queryGeneric({
  args: {},
  handler: async (ctx) => ({
    app: { GREETING: process.env.GREETING ?? null, ROOT_ONLY: process.env.ROOT_ONLY ?? null },
    hello: (await ctx.runQuery(components.hello.env.read, {})) as unknown,
  }),
});

/** Never returns: pushed functions run on the execution pool, where Convex's time limit stops it. */
export const spin = queryGeneric({
  args: {},
  handler: async () => {
    let n = 0;
    while (n >= 0) n = (n + 1) % 1000;
    return n;
  },
});
