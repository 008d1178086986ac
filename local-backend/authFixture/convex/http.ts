/** The caller's identity as an HTTP action sees it (local-backend/execution.test.ts: HTTP actions on the action pool). */
import { httpActionGeneric, httpRouter } from "convex/server";

const http = httpRouter();
http.route({
  path: "/whoami",
  method: "GET",
  handler: httpActionGeneric(async (ctx) => Response.json((await ctx.auth.getUserIdentity())?.subject ?? null)),
});
export default http;
