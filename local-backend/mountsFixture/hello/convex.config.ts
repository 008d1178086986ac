import { defineComponent } from "convex/server";
import { v } from "convex/values";
import inner from "../inner/convex.config";

const component = defineComponent("hello", {
  env: { GREETING: v.string(), MODE: v.union(v.literal("loud"), v.literal("quiet")) },
});
component.use(inner, { httpPrefix: "/inner/" });

export default component;
