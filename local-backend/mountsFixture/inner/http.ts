import { httpActionGeneric, httpRouter } from "convex/server";

const http = httpRouter();
http.route({
  path: "/where",
  method: "GET",
  handler: httpActionGeneric(async () => new Response(process.env.CONVEX_SITE_URL ?? "")),
});
export default http;
