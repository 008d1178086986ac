import { defineApp } from "convex/server";
import { v } from "convex/values";
import hello from "../hello/convex.config";

const app = defineApp({ httpPrefix: "/app/", env: { GREETING: v.string() } });
app.use(hello, { httpPrefix: "/hello/", env: { GREETING: app.env.GREETING, MODE: "loud" } });

export default app;
