#!/usr/bin/env node
// The production build of the SPA (`npm run build`, and what `npm run serve` and the benchmarks
// build): two Vite builds into one dist/.
// - the members' app: index.html → src/main.tsx (auth, router, one chunk per route);
// - the share page: share.html → src/shareEntry.tsx, built on its own so an anonymous viewer
//   loads only what it uses. A separate build lets Rollup tree-shake the share page's modules
//   for the share page alone (in one build a module shared with the app ships every export the
//   app uses, e.g. convex/server's anyApi) and lets it swap Convex's sign-in machinery for
//   src/lib/anonymousAuth.ts (anonymousConvexClient below).
// Servers answer /share/* with share.html (scripts/staticServer.mjs, vite.config.ts in dev).
// Manifests: .vite/manifest.json (app) and .vite/share-manifest.json (share page), read by
// scripts/bundle-size.mjs.
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** convex/browser's client modules the share build replaces, and with what (src/lib/anonymousAuth.ts). */
export const ANONYMOUS_SUBSTITUTES = {
  "./authentication_manager.js": "src/lib/anonymousAuth.ts",
  "../../vendor/jwt-decode/index.js": "src/lib/anonymousAuth.ts",
};
const CLIENT = /[\\/]convex[\\/]dist[\\/]esm[\\/]browser[\\/]sync[\\/]client\.js$/;

/**
 * Vite plugin: convex/browser's BaseConvexClient without its AuthenticationManager and jwt-decode
 * (the share page never signs in). The build fails if the client no longer imports them as it
 * does in the convex version this was written for, rather than silently shipping them.
 */
export function anonymousConvexClient() {
  const replaced = new Set();
  return {
    name: "anonymous-convex-client",
    enforce: "pre",
    async resolveId(source, importer) {
      if (!importer || !CLIENT.test(importer) || !(source in ANONYMOUS_SUBSTITUTES)) return null;
      replaced.add(source);
      return path.join(root, ANONYMOUS_SUBSTITUTES[source]);
    },
    buildEnd(error) {
      const missing = Object.keys(ANONYMOUS_SUBSTITUTES).filter((s) => !replaced.has(s));
      if (!error && missing.length)
        this.error(`convex/browser's client no longer imports ${missing.join(", ")}: update scripts/buildSpa.mjs`);
    },
  };
}

/** Builds both entries into `outDir` (default dist/). Set VITE_CONVEX_URL (and VITE_CONVEX_SITE_URL) first. */
export async function buildSpa({ outDir = path.join(root, "dist"), logLevel } = {}) {
  const { build } = await import("vite");
  const configFile = path.join(root, "vite.config.ts");
  await build({
    root,
    configFile,
    logLevel,
    build: { outDir, emptyOutDir: true, rollupOptions: { input: path.join(root, "index.html") } },
  });
  await build({
    root,
    configFile,
    logLevel,
    plugins: [anonymousConvexClient()],
    build: {
      outDir,
      emptyOutDir: false,
      manifest: ".vite/share-manifest.json",
      rollupOptions: { input: path.join(root, "share.html") },
    },
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildSpa();
}
