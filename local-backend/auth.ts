/**
 * Verifies the JWTs clients authenticate with against the providers in convex/auth.config.ts,
 * step by step as Convex's `validate_id_token` does (convex-backend
 * crates/authentication/src/lib.rs), with its codes and messages (unredacted, as a dev deployment
 * shows them):
 * 1. the unverified payload picks the provider: its `iss` (an `https://` added if missing, trailing
 *    `/` ignored) and, when the provider has an application ID, its `aud` must match
 *    (`AuthInfo::matches_token`, crates/common/src/auth.rs), else `NoAuthProvider`;
 * 2. OIDC providers (`domain`): an OIDC ID token (iss, sub, aud, exp, iat), RS256 or EdDSA, signed
 *    by the one key its `kid` picks (jwks.ts), issuer and single audience matching, not expired;
 *    `iat` is not checked (openidconnect-rs accepts any issue time by default). Any failure:
 *    `Unauthenticated`;
 * 3. custom JWT providers (`type: "customJwt"`): a `kid` naming a JWKS key and the provider's
 *    algorithm, then issuer, audience, and `exp`/`nbf`/`iat` within 5 seconds of now (biscuit
 *    `ValidationOptions` with `epsilon: 5s`): a token issued in the future is refused. Failures:
 *    `InvalidAuthHeader`.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from "jose";
import type { AuthConfig } from "./loader";
import type { Identity } from "./exec";
import { AuthError } from "./authErrors";
import { customJwtSigningKey, fetchJwks, importKey, oidcSigningKey, type JwkSet } from "./jwks";

export { AuthError } from "./authErrors";

const CLAIMS: Record<string, string> = {
  name: "name",
  given_name: "givenName",
  family_name: "familyName",
  nickname: "nickname",
  preferred_username: "preferredUsername",
  profile: "profileUrl",
  picture: "pictureUrl",
  email: "email",
  email_verified: "emailVerified",
  gender: "gender",
  birthdate: "birthday",
  zoneinfo: "timezone",
  locale: "language",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
  address: "address",
  updated_at: "updatedAt",
};

/** Convex's leeway for custom JWTs' `exp`, `nbf` and `iat` (`epsilon: chrono::Duration::seconds(5)`). */
export const CUSTOM_JWT_LEEWAY_SECONDS = 5;

type Provider =
  | { kind: "oidc"; domain: string; applicationID: string }
  | { kind: "customJwt"; issuer: string; applicationID: string | null; jwks: string; algorithm: string };

const trimSlash = (s: string) => s.replace(/\/+$/, "");
const withProtocol = (s: string) => (s.startsWith("https://") || s.startsWith("http://") ? s : `https://${s}`);

function providersOf(config: AuthConfig): Provider[] {
  return config.providers.map((p) => {
    const raw = p as AuthConfig["providers"][number] & { algorithm?: string };
    if (raw.type === "customJwt")
      return {
        kind: "customJwt",
        issuer: withProtocol(String(raw.issuer ?? "")),
        applicationID: raw.applicationID ?? null,
        jwks: String(raw.jwks ?? ""),
        algorithm: raw.algorithm ?? "RS256",
      };
    return { kind: "oidc", domain: String(raw.domain ?? ""), applicationID: String(raw.applicationID ?? "") };
  });
}

function matchesToken(provider: Provider, audiences: string[], issuer: string) {
  const applicationID = provider.kind === "oidc" ? provider.applicationID : provider.applicationID;
  if (applicationID !== null && !audiences.includes(applicationID)) return false;
  const domain = provider.kind === "oidc" ? provider.domain : provider.issuer;
  return trimSlash(domain) === trimSlash(withProtocol(issuer));
}

function noProviderMessage(providers: Provider[]) {
  if (providers.length === 0)
    return "No auth provider found matching the given token (no providers configured). Check convex/auth.config.ts.";
  const listed = providers.map((p) =>
    p.kind === "oidc"
      ? `OIDC(domain=${p.domain}, app_id=${p.applicationID})`
      : `CustomJWT(issuer=${p.issuer}, app_id=${p.applicationID ?? "none"})`,
  );
  return `No auth provider found matching the given token. Check that your JWT's issuer and audience match one of your configured providers: [${listed.join(", ")}]`;
}

const audiencesOf = (aud: JWTPayload["aud"]) => (aud === undefined ? [] : Array.isArray(aud) ? aud : [aud]);

export class AuthVerifier {
  constructor(
    private config: () => AuthConfig,
    /** JWKS served by this deployment itself (Convex Auth), to avoid an HTTP round trip to ourselves. */
    private localIssuer: () => { issuer: string; jwks: string },
    private now: () => number = () => Date.now(),
  ) {}

  async verify(token: string): Promise<Identity> {
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      throw new AuthError(
        "InvalidAuthHeader",
        "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.",
      );
    }
    if (typeof claims.iss !== "string")
      throw new AuthError(
        "InvalidAuthHeader",
        "Missing issuer claim ('iss') in JWT payload. The JWT must include an 'iss' claim that matches one of your configured auth providers.",
      );
    const providers = providersOf(this.config());
    const provider = providers.find((p) => matchesToken(p, audiencesOf(claims.aud), claims.iss!));
    if (!provider) throw new AuthError("NoAuthProvider", noProviderMessage(providers));
    const payload = provider.kind === "oidc" ? await this.verifyOidc(token, provider) : await this.verifyCustomJwt(token, provider);
    return identityOf(payload);
  }

  private async oidcKeys(domain: string): Promise<JwkSet> {
    const local = this.localIssuer();
    if (trimSlash(domain) === trimSlash(local.issuer)) return JSON.parse(local.jwks) as JwkSet;
    // OpenID Connect Discovery, as `CoreProviderMetadata::discover_async`.
    const failed = (detail = "") => new AuthError("AuthProviderDiscoveryFailed", `Auth provider discovery of ${domain} failed${detail}`);
    let jwksUri: string;
    try {
      const response = await fetch(`${trimSlash(domain)}/.well-known/openid-configuration`);
      if (!response.ok) throw failed(`: ${response.status} ${await response.text()}`);
      jwksUri = String(((await response.json()) as { jwks_uri?: unknown }).jwks_uri);
      const keys = await fetch(jwksUri);
      if (!keys.ok) throw failed();
      return (await keys.json()) as JwkSet;
    } catch (error) {
      throw error instanceof AuthError ? error : failed();
    }
  }

  private async verifyOidc(token: string, provider: Extract<Provider, { kind: "oidc" }>): Promise<JWTPayload> {
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    const isIdToken =
      typeof header.alg === "string" &&
      typeof claims.iss === "string" &&
      typeof claims.sub === "string" &&
      claims.aud !== undefined &&
      typeof claims.exp === "number" &&
      typeof claims.iat === "number";
    if (!isIdToken) throw new AuthError("InvalidAuthHeader", "Could not parse as OIDC ID token. Token might not be an OIDC-compliant JWT.");
    const refused = () =>
      new AuthError(
        "Unauthenticated",
        "Could not verify OIDC token claim. Check that the token signature is valid and the token hasn't expired.",
      );
    const jwks = await this.oidcKeys(provider.domain);
    const alg = header.alg!;
    if (alg !== "RS256" && alg !== "EdDSA") throw refused();
    if (trimSlash(claims.iss!) !== trimSlash(provider.domain)) throw refused();
    // openidconnect-rs: the client ID must be an audience, and no other audience is accepted.
    const audiences = audiencesOf(claims.aud);
    if (!audiences.includes(provider.applicationID) || audiences.some((a) => a !== provider.applicationID)) throw refused();
    const key = oidcSigningKey(jwks, kidOf(header), alg);
    if (!key) throw refused();
    await verifySignature(token, key, alg, refused);
    if (this.now() / 1000 >= claims.exp!) throw refused();
    return claims;
  }

  private async verifyCustomJwt(token: string, provider: Extract<Provider, { kind: "customJwt" }>): Promise<JWTPayload> {
    const jwks = await fetchJwks(provider.jwks);
    const header = decodeProtectedHeader(token);
    const kid = kidOf(header);
    const undecodable = () =>
      new AuthError(
        "InvalidAuthHeader",
        kid === undefined
          ? "Could not decode token. JWT may be missing a 'kid' (key ID) header."
          : `Could not decode token. The JWT's 'kid' (key ID) header is '${kid}', does this key match any key in the provider's JWKS?`,
      );
    const key = customJwtSigningKey(jwks, kid);
    if (!key || header.alg !== provider.algorithm) throw undecodable();
    await verifySignature(token, key, provider.algorithm, undecodable);
    const claims = decodeJwt(token);
    const invalid = (message: string) => new AuthError("InvalidAuthHeader", message);
    if (typeof claims.iss !== "string")
      throw invalid(
        "Missing issuer claim ('iss') in JWT payload. The JWT must include an 'iss' claim that matches one of your configured auth providers.",
      );
    if (trimSlash(withProtocol(claims.iss)) !== trimSlash(provider.issuer))
      throw invalid(`Invalid issuer: ${claims.iss} != ${provider.issuer}`);
    if (provider.applicationID !== null) {
      if (claims.aud === undefined)
        throw invalid(
          "Missing audience claim ('aud') in JWT payload. The JWT must include an 'aud' claim that matches your configured application ID.",
        );
      const audiences = audiencesOf(claims.aud);
      if (!audiences.includes(provider.applicationID))
        throw invalid(`Invalid audience: ${provider.applicationID} not in [${audiences.map((a) => JSON.stringify(a)).join(", ")}]`);
    }
    const problem = temporalProblem(claims, Math.trunc(this.now() / 1000));
    if (problem) throw invalid(`Could not validate token: ${problem}`);
    if (typeof claims.sub !== "string") throw invalid("Missing subject");
    if (typeof claims.exp !== "number") throw invalid("Missing expiry");
    return claims;
  }
}

const kidOf = (header: ProtectedHeaderParameters) => (typeof header.kid === "string" ? header.kid : undefined);

async function verifySignature(token: string, key: Parameters<typeof importKey>[0], alg: string, refused: () => AuthError) {
  try {
    await compactVerify(token, await importKey(key, alg), { algorithms: [alg] });
  } catch {
    throw refused();
  }
}

/** biscuit `RegisteredClaims::validate` (exp, then nbf, then iat) with Convex's 5 s leeway; its messages. */
export function temporalProblem(claims: JWTPayload, nowSeconds: number): string | null {
  const leeway = CUSTOM_JWT_LEEWAY_SECONDS;
  if (typeof claims.exp === "number" && nowSeconds - claims.exp > leeway)
    return `Token expired ${Math.trunc(nowSeconds - claims.exp)} seconds ago`;
  if (typeof claims.nbf === "number" && claims.nbf - nowSeconds > leeway)
    return `Token will be valid in ${Math.trunc(claims.nbf - nowSeconds)} seconds`;
  if (typeof claims.iat === "number" && claims.iat - nowSeconds > leeway)
    return `Token will be valid in ${Math.trunc(claims.iat - nowSeconds)} seconds`;
  return null;
}

function identityOf(payload: JWTPayload): Identity {
  const identity: Record<string, unknown> = {
    subject: payload.sub,
    issuer: payload.iss,
    tokenIdentifier: `${payload.iss}|${payload.sub}`,
  };
  for (const [claim, value] of Object.entries(payload)) {
    if (["sub", "iss", "aud", "exp", "iat", "nbf", "jti"].includes(claim)) continue;
    identity[CLAIMS[claim] ?? claim] = value;
  }
  return identity;
}
