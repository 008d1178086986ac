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

/** A custom slug is 3–64 letters, digits and hyphens: anything else names no link, so needs no lookup. */
export function looksLikeSlug(slug: string): boolean {
  return /^[A-Za-z0-9-]{3,64}$/.test(slug);
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

/** HMAC-SHA-256(deployment secret, `<purpose>:<message>`), base64url: one key, separate purposes. */
export async function deploymentMac(purpose: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(shareTokenSecret()), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${purpose}:${message}`));
  return base64url(new Uint8Array(mac));
}

/** The link token: HMAC-SHA-256(deployment secret, nonce). The database only has the nonce. */
export async function linkTokenFromNonce(nonce: string): Promise<string> {
  return await deploymentMac("share-link", nonce);
}

/** Equal-length strings compared in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function shareUrl(token: string): string {
  const origin = (process.env.SITE_URL ?? "http://localhost:5173").replace(/\/+$/, "");
  return `${origin}/share/${token}`;
}
