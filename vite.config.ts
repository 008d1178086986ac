import { defineConfig, type Plugin } from "vite";

/** Share pages: no referrer leaves them, and search engines do not index them. */
function sharePageHeaders(): Plugin {
  const apply = (url: string | undefined, res: { setHeader(k: string, v: string): void }) => {
    if (url?.startsWith("/share/")) {
      res.setHeader("Referrer-Policy", "no-referrer");
      res.setHeader("X-Robots-Tag", "noindex, nofollow");
    }
  };
  return {
    name: "share-page-headers",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        apply(req.url, res);
        next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        apply(req.url, res);
        next();
      });
    },
  };
}

export default defineConfig({
  plugins: [sharePageHeaders()],
  esbuild: { jsx: "automatic" },
  // Pre-bundle every browser dependency at start-up: a dependency discovered later makes Vite
  // reload open pages, which would interrupt a viewer (and a browser test) mid-flow.
  optimizeDeps: {
    entries: ["index.html"],
    include: [
      "react",
      "react/jsx-runtime",
      "react-dom/client",
      "react-router-dom",
      "convex/react",
      "convex/browser",
      "convex/server",
      "convex/values",
      "@convex-dev/auth/react",
    ],
  },
  // The manifest lets scripts/bundle-size.mjs tell which chunks a route loads. Every browser the
  // app supports has <link rel="modulepreload">: no polyfill in the entry chunk.
  build: { manifest: true, modulePreload: { polyfill: false } },
  server: { watch: { ignored: ["**/.local-backend/**", "**/convex/**", "**/local-backend/**"] } },
});
