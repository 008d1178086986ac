/** Deployment settings read from environment variables, with their defaults. */
const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024; // 2 GiB

export function maxUploadBytes(): number {
  const configured = Number(process.env.MAX_UPLOAD_BYTES);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_UPLOAD_BYTES;
}

/** The HTTP actions' origin (Convex sets CONVEX_SITE_URL). */
export function siteOrigin(): string {
  return (process.env.CONVEX_SITE_URL ?? "http://127.0.0.1:3211").replace(/\/+$/, "");
}
