import { ConvexAuthProvider } from "@convex-dev/auth/react";
import { StrictMode } from "react";
import type { Root } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App";
import { convex } from "./lib/convex";

/** The signed-in app: auth, router and one lazy chunk per route. */
export function render(root: Root) {
  root.render(
    <StrictMode>
      <ConvexAuthProvider client={convex}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </ConvexAuthProvider>
    </StrictMode>,
  );
}
