import { defineConfig, type Plugin } from "vite";

/**
 * Share pages: their own page (share.html, the share entry alone; scripts/buildSpa.mjs builds it
 * on its own), no referrer leaving them, and no indexing by search engines.
 */
function sharePageHeaders(): Plugin {
  const apply = (req: { url?: string }, res: { setHeader(k: string, v: string): void }) => {
    if (req.url?.startsWith("/share/")) {
      res.setHeader("Referrer-Policy", "no-referrer");
      res.setHeader("X-Robots-Tag", "noindex, nofollow");
      req.url = "/share.html";
    }
  };
  return {
    name: "share-page-headers",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        apply(req, res);
        next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        apply(req, res);
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
    entries: ["index.html", "share.html"],
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
  // The manifests let scripts/bundle-size.mjs tell which chunks a route loads. Every browser the
  // app supports has <link rel="modulepreload">: no polyfill in the entry chunk.
  build: { manifest: true, modulePreload: { polyfill: false } },
  server: { watch: { ignored: ["**/.local-backend/**", "**/convex/**", "**/local-backend/**"] } },
});
