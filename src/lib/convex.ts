import { ConvexReactClient } from "convex/react";
import { convexUrl } from "./deployment";

/** The members' app's client (auth, convex/react hooks). The share route uses src/lib/live.tsx instead. */
export const convex = new ConvexReactClient(convexUrl);
