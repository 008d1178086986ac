/** Token primitives: Web Crypto only, so they run in every Convex runtime. */
import { appError } from "./errors";

const TOKEN_BYTES = 32; // 256 bits

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomToken(bytes = TOKEN_BYTES): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return base64url(buffer);
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Tokens we hand out are base64url of 32 bytes: anything else can be refused without a lookup. */
export function looksLikeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

function shareTokenSecret(): string {
  const secret = process.env.SHARE_TOKEN_SECRET;
  if (!secret || secret.length < 32) {
    throw appError(
      "MISCONFIGURED",
      "SHARE_TOKEN_SECRET is not set (at least 32 characters). Set it with `npx convex env set SHARE_TOKEN_SECRET …`.",
    );
  }
  return secret;
}

/** The link token: HMAC-SHA-256(deployment secret, nonce). The database only has the nonce. */
export async function linkTokenFromNonce(nonce: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(shareTokenSecret()),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`share-link:${nonce}`));
  return base64url(new Uint8Array(mac));
}

export function shareUrl(token: string): string {
  const origin = (process.env.SITE_URL ?? "http://localhost:5173").replace(/\/+$/, "");
  return `${origin}/share/${token}`;
}
