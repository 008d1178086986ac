import { defineComponent } from "convex/server";
import tags from "../tags/convex.config";

const component = defineComponent("notes");
component.use(tags);

export default component;
