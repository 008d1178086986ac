import { defineApp } from "convex/server";
import notes from "../notes/convex.config";

const app = defineApp();
app.use(notes);
export default app;
