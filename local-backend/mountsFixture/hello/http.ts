import { httpActionGeneric, httpRouter } from "convex/server";

const http = httpRouter();
http.route({
  path: "/greet",
  method: "GET",
  handler: httpActionGeneric(async (_ctx, request) =>
    Response.json({
      greeting: process.env.GREETING ?? null,
      mode: process.env.MODE ?? null,
      rootOnly: process.env.ROOT_ONLY ?? null,
      site: process.env.CONVEX_SITE_URL ?? null,
      path: new URL(request.url).pathname,
    }),
  ),
});
http.route({
  pathPrefix: "/files/",
  method: "GET",
  handler: httpActionGeneric(async (_ctx, request) => new Response(`hello file ${new URL(request.url).pathname}`)),
});
export default http;
