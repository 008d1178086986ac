/**
 * The signing keys of an auth provider and the one a token is checked with, chosen as Convex's
 * verifiers choose it:
 * - OIDC providers (`domain`): openidconnect-rs `JsonWebKeySet::filter_keys` / `signing_key`
 *   (get-convex/openidconnect-rs src/types/jwks.rs, src/verification/mod.rs): a token's `kid`
 *   must match the key's; a token without `kid` may use any compatible key, but only if there is
 *   exactly one (Section 10.1 of OpenID Connect Core: a JWKS of several keys needs a `kid`).
 * - Custom JWT providers (`type: "customJwt"`): biscuit `Compact::decode_with_jwks`
 *   (get-convex/biscuit src/jws/compact.rs): the `kid` header is required and must name a key.
 */
import { importJWK, type JWK } from "jose";
import { AuthError } from "./authErrors";

export type JwkSet = { keys: JWK[] };

/** A JWKS from a `data:` URL (as Convex's `fetch_jwks` decodes it) or over HTTP(S). */
export async function fetchJwks(uri: string): Promise<JwkSet> {
  let body: string;
  if (uri.startsWith("data:")) {
    const comma = uri.indexOf(",");
    const meta = uri.slice(5, comma);
    const data = uri.slice(comma + 1);
    if (comma < 0)
      throw new AuthError(
        "InvalidAuthHeader",
        "Invalid JWKS data URL. Check that the data URL is properly formatted and contains valid base64-encoded JSON.",
      );
    body = meta.endsWith(";base64") ? atobText(data) : decodeURIComponent(data);
  } else {
    let response: Response;
    try {
      response = await fetch(uri, { headers: { Accept: "application/json" } });
    } catch (error) {
      throw new AuthError(
        "InvalidAuthHeader",
        `Could not fetch JWKS from URL '${uri}': ${(error as Error).message}. Check that the URL is correct and accessible.`,
      );
    }
    if (response.status !== 200)
      throw new AuthError(
        "InvalidAuthHeader",
        `Could not fetch JWKS from URL '${uri}': HTTP ${response.status} ${response.statusText || "Unknown"}. Check that the URL is correct and accessible.`,
      );
    body = await response.text();
  }
  try {
    const parsed = JSON.parse(body) as JwkSet;
    if (!Array.isArray(parsed?.keys)) throw new Error("no keys");
    return parsed;
  } catch {
    throw new AuthError(
      "InvalidAuthHeader",
      `Invalid JWKS response body from '${uri}'. The response is not valid JSON or doesn't match the expected JWKS format.`,
    );
  }
}

function atobText(data: string) {
  return new TextDecoder().decode(Uint8Array.from(atob(decodeURIComponent(data)), (c) => c.charCodeAt(0)));
}

const KEY_TYPE: Record<string, string> = { RS256: "RSA", ES256: "EC", EdDSA: "OKP" };

/** A key usable for `alg`: its type fits, its `use` (if any) is signing, its `alg` (if any) is `alg`. */
function compatible(key: JWK, alg: string) {
  return key.kty === KEY_TYPE[alg] && (key.use === undefined || key.use === "sig") && (key.alg === undefined || key.alg === alg);
}

/** openidconnect-rs `signing_key`: null when no key fits or several do (the caller refuses the token). */
export function oidcSigningKey(jwks: JwkSet, kid: string | undefined, alg: string): JWK | null {
  const eligible = jwks.keys.filter((key) => (kid === undefined || key.kid === kid) && compatible(key, alg));
  return eligible.length === 1 ? eligible[0] : null;
}

/** biscuit `decode_with_jwks`: the key the `kid` names, or null (missing `kid`, unknown key). */
export function customJwtSigningKey(jwks: JwkSet, kid: string | undefined): JWK | null {
  if (kid === undefined) return null;
  return jwks.keys.find((key) => key.kid === kid) ?? null;
}

export async function importKey(key: JWK, alg: string) {
  return importJWK({ ...key, alg }, alg);
}
