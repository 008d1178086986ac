/** The caller's identity as an HTTP action sees it (local-backend/execution.test.ts: HTTP actions on the action pool). */
import { httpActionGeneric, httpRouter } from "convex/server";

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
export default http;
