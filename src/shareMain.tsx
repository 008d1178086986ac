import { ConvexProvider } from "convex/react";
import { StrictMode } from "react";
import type { Root } from "react-dom/client";
import { convex } from "./lib/convex";
import { SharePage } from "./routes/SharePage";

/**
 * What an anonymous viewer on /share/<token> loads: the share page over a plain Convex client,
 * without the router, sign-in or any of the members' pages.
 */
export function render(root: Root) {
  root.render(
    <StrictMode>
      <ConvexProvider client={convex}>
        <SharePage />
      </ConvexProvider>
    </StrictMode>,
  );
}
