import { httpActionGeneric, httpRouter } from "convex/server";

const http = httpRouter();
http.route({ path: "/hello", method: "GET", handler: httpActionGeneric(async () => new Response("hello from a pushed app")) });
export default http;
