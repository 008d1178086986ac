/** Verifies the JWTs clients authenticate with against the providers in convex/auth.config.ts. */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from "jose";
import type { AuthConfig } from "./loader";
import type { Identity } from "./engine";

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

export class AuthVerifier {
  constructor(
    private config: () => AuthConfig,
    /** JWKS served by this deployment itself (Convex Auth), to avoid an HTTP round trip to ourselves. */
    private localIssuer: () => { issuer: string; jwks: string },
  ) {}

  async verify(token: string): Promise<Identity> {
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      throw new Error("Could not parse the JWT.");
    }
    const provider = this.config().providers.find((p) => (p.domain ?? p.issuer)?.replace(/\/$/, "") === claims.iss?.replace(/\/$/, ""));
    if (!provider) throw new Error(`No auth provider found matching the given token (issuer ${claims.iss ?? "missing"}).`);
    const issuer = provider.domain ?? provider.issuer!;
    const local = this.localIssuer();
    const keys =
      issuer.replace(/\/$/, "") === local.issuer.replace(/\/$/, "")
        ? createLocalJWKSet(JSON.parse(local.jwks))
        : provider.jwks
          ? createRemoteJWKSet(new URL(provider.jwks))
          : createRemoteJWKSet(new URL(`${issuer.replace(/\/$/, "")}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, keys, {
      issuer: claims.iss,
      audience: provider.applicationID,
    });
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
}
