import { StrictMode } from "react";
import type { Root } from "react-dom/client";
import { convexUrl } from "./lib/deployment";
import { LiveClient, LiveProvider } from "./lib/live";
import { SharePage } from "./routes/SharePage";

let client: LiveClient | undefined;
/** One anonymous connection per tab, opened when a share page first renders. */
const shareClient = () => (client ??= new LiveClient(convexUrl));

/** The share page over its own small Convex binding (src/lib/live.tsx): no router, auth or convex/react. */
export function ShareRoute() {
  return (
    <LiveProvider client={shareClient()}>
      <SharePage />
    </LiveProvider>
  );
}

/** What an anonymous viewer on /share/<token> loads (share.html, through src/shareEntry.tsx). */
export function render(root: Root) {
  root.render(
    <StrictMode>
      <ShareRoute />
    </StrictMode>,
  );
}
