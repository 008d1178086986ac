/** Where the Convex deployment is: read once from the build's environment, shared by both entries. */
const url = import.meta.env.VITE_CONVEX_URL as string | undefined;
if (!url) {
  throw new Error("VITE_CONVEX_URL is not set: start the app with `npm start` (or `npx convex dev` for a cloud deployment).");
}
export const convexUrl = url;

/** Where HTTP actions live: VITE_CONVEX_SITE_URL, or the cloud URL's .site twin on Convex. */
export const siteUrl = (
  (import.meta.env.VITE_CONVEX_SITE_URL as string | undefined) ?? url.replace(/\.convex\.cloud$/, ".convex.site")
).replace(/\/+$/, "");
