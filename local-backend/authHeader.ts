/**
 * A client's `Authorization` header read as Convex reads it (convex-backend
 * crates/local_backend/src/authentication.rs `ExtractAuthenticationToken`,
 * crates/authentication/src/lib.rs `extract_bearer_token`): none is anonymous; shorter than
 * "bearer " is 400 `InvalidHeaderFailure`; anything but `Bearer <token>` (any case) is 400
 * `InvalidAdminKey`; the token itself is then verified (401 with the verifier's code).
 * `Convex <admin key>` headers are handled before this (adminAuth.ts).
 */
import type { AuthVerifier } from "./auth";
import type { Identity } from "./exec";
import { HttpError } from "./httpInput";

export async function identityOf(auth: AuthVerifier, header: string | undefined): Promise<Identity> {
  if (header === undefined) return null;
  if (header.length < 7) throw new HttpError(400, "InvalidHeaderFailure", "Invalid authentication header");
  if (header.length === 7 || header.slice(0, 7).toLowerCase() !== "bearer ")
    throw new HttpError(400, "InvalidAdminKey", "Invalid admin key");
  return auth.verify(header.slice(7).trim());
}
