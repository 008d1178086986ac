/**
 * An identity token or Authorization header refused, with the short code Convex gives it
 * (convex-backend crates/authentication/src/lib.rs: `ErrorMetadata::unauthenticated(...)`).
 * HTTP answers 401 `{ code, message }`; the sync protocol sends `AuthError { error: message }`.
 */
export type AuthErrorCode = "InvalidAuthHeader" | "NoAuthProvider" | "Unauthenticated" | "AuthProviderDiscoveryFailed";

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}
