/**
 * Headers for grant-gated media: never cached by shared caches, never indexed, never sniffed,
 * and never active content — even a file that slipped past the type check cannot run script
 * on this origin (`sandbox` puts the response in an opaque origin with scripts off).
 */
export const PRIVATE_MEDIA_HEADERS = {
  "Cache-Control": "private, no-store",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "sandbox; default-src 'none'; media-src 'self'",
  "Referrer-Policy": "no-referrer",
  "X-Robots-Tag": "noindex",
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "Content-Range, Content-Length, ETag, Accept-Ranges, Content-Disposition",
} as const;

/** `inline` or `attachment` with an ASCII fallback name and the UTF-8 original (RFC 6266 / 5987). */
export function contentDisposition(kind: "inline" | "attachment", fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_") || "video";
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export function jsonError(status: number, code: string, message: string, extra: Record<string, string> = {}) {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { ...PRIVATE_MEDIA_HEADERS, "Content-Type": "application/json", ...extra },
  });
}
