import { build as bundle } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import { DOWNLOAD_WORKER_URL } from "./src/lib/downloadProtocol";

const root = path.dirname(fileURLToPath(import.meta.url));

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

/**
 * The download service worker (src/downloadWorker.ts) as one classic script at the site's root,
 * /download-sw.js (its scope, /__reelgate-download/, must lie under the script's path; a classic
 * script runs in every browser with service workers, a module worker not yet in all): bundled by
 * esbuild on each request in dev, emitted into dist/ by the build. No page loads it as a script:
 * it is outside every route's JavaScript (`npm run size`).
 */
const DOWNLOAD_WORKER_FILE = DOWNLOAD_WORKER_URL.slice(1);
async function bundleDownloadWorker(minify: boolean): Promise<string> {
  const result = await bundle({
    entryPoints: [path.join(root, "src/downloadWorker.ts")],
    bundle: true,
    format: "iife",
    target: "es2022",
    minify,
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}
function downloadWorker(): Plugin {
  return {
    name: "download-worker",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url?.split("?")[0] !== DOWNLOAD_WORKER_URL) return next();
        bundleDownloadWorker(false).then(
          (code) => {
            res.setHeader("Content-Type", "text/javascript; charset=utf-8");
            res.setHeader("Cache-Control", "no-cache");
            res.end(code);
          },
          (error: unknown) => next(error),
        );
      });
    },
    async generateBundle() {
      this.emitFile({ type: "asset", fileName: DOWNLOAD_WORKER_FILE, source: await bundleDownloadWorker(true) });
    },
  };
}

export default defineConfig({
  plugins: [sharePageHeaders(), downloadWorker()],
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
