/** The caller's identity as an HTTP action sees it (local-backend/execution.test.ts: HTTP actions on the action pool). */
import { httpActionGeneric, httpRouter, makeFunctionReference } from "convex/server";

const http = httpRouter();
http.route({
  path: "/whoami",
  method: "GET",
  handler: httpActionGeneric(async (ctx) => Response.json((await ctx.auth.getUserIdentity())?.subject ?? null)),
});
/** The caller's subject, or "anonymous"; `?ignore=1` never asks who the caller is (auth.test.ts: refused tokens). */
http.route({
  path: "/identity",
  method: "GET",
  handler: httpActionGeneric(async (ctx, request) => {
    if (new URL(request.url).searchParams.get("ignore")) return new Response("ran");
    return new Response((await ctx.auth.getUserIdentity())?.subject ?? "anonymous");
  }),
});
/** What a query and an action called by this HTTP action see of its caller (`?kind=query|action`). */
http.route({
  path: "/identity/nested",
  method: "GET",
  handler: httpActionGeneric(async (ctx, request) => {
    const kind = new URL(request.url).searchParams.get("kind");
    try {
      const subject =
        kind === "action"
          ? await ctx.runAction(makeFunctionReference<"action", Record<string, never>, string | null>("whoami:inAction"), {})
          : await ctx.runQuery(makeFunctionReference<"query", Record<string, never>, string | null>("whoami:get"), {});
      return new Response(subject ?? "anonymous");
    } catch (error) {
      return new Response(`threw: ${(error as Error).message}`);
    }
  }),
});
export default http;
