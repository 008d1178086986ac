import { defineApp } from "convex/server";
import notes from "../components/notes/convex.config";

const app = defineApp();
app.use(notes);

export default app;
