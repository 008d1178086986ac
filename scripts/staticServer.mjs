// The built SPA (dist/) over HTTP for `npm run serve`: hashed assets cached for a year, the page
// itself revalidated every time, every unknown path answered with index.html (client routes) —
// /share/* with share.html, the share page's own build (scripts/buildSpa.mjs) — share pages
// without referrer or indexing, gzip when the browser takes it.
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);
const MAX_PATH = 2048;

/** Maps a request path to a file inside `dist`, or null (outside it, hidden, missing). */
function resolveFile(dist, pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const file = path.resolve(dist, "." + path.posix.normalize(decoded));
  if (!file.startsWith(dist + path.sep)) return null;
  if (path.basename(file).startsWith(".")) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

export function createStaticServer(distDir) {
  const dist = path.resolve(distDir);
  for (const page of ["index.html", "share.html"])
    if (!existsSync(path.join(dist, page))) throw new Error(`${dist}/${page} not found: run \`npm run build\` first.`);
  const gzipped = new Map();
  const gzipOf = (file) => {
    if (!gzipped.has(file)) gzipped.set(file, gzipSync(readFileSync(file), { level: 9 }));
    return gzipped.get(file);
  };

  return createServer((req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD" }).end();
        return;
      }
      const target = req.url ?? "/";
      if (target.length > MAX_PATH || !target.startsWith("/")) {
        res.writeHead(400, { "Content-Type": "text/plain" }).end("Bad request\n");
        return;
      }
      const pathname = target.split("?")[0];
      const asset = resolveFile(dist, pathname);
      const file = asset ?? path.join(dist, pathname.startsWith("/share/") ? "share.html" : "index.html");
      const ext = path.extname(file);
      const headers = {
        "Content-Type": TYPES[ext] ?? "application/octet-stream",
        "X-Content-Type-Options": "nosniff",
        // Content-hashed names under /assets/ never change; everything else is checked each time.
        "Cache-Control":
          asset && pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : asset ? "public, max-age=3600" : "no-cache",
        Vary: "Accept-Encoding",
      };
      if (!asset && pathname.startsWith("/share/")) {
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Robots-Tag"] = "noindex, nofollow";
      }
      if (COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
        const body = gzipOf(file);
        res.writeHead(200, { ...headers, "Content-Encoding": "gzip", "Content-Length": body.length });
        res.end(req.method === "HEAD" ? undefined : body);
        return;
      }
      res.writeHead(200, { ...headers, "Content-Length": statSync(file).size });
      if (req.method === "HEAD") res.end();
      else
        createReadStream(file)
          .on("error", () => res.destroy())
          .pipe(res);
    } catch {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("Internal error\n");
    }
  });
}
