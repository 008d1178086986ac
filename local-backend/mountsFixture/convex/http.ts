import { httpActionGeneric, httpRouter } from "convex/server";

const http = httpRouter();
http.route({
  path: "/ping",
  method: "GET",
  handler: httpActionGeneric(async (_ctx, request) => new Response(`app ping at ${new URL(request.url).pathname}`)),
});
export default http;
