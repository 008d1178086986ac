/** Validation of share-link options, shared by create and update. */
import bcrypt from "bcryptjs";
import { appError, invalid } from "./errors";

export const BCRYPT_COST = 10;
export const MAX_PASSWORD_BYTES = 72; // bcrypt reads no further
const DAY_MS = 24 * 60 * 60 * 1000;

export function expiryFromDays(days: number, now: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 365) {
    throw invalid("Expiry must be a whole number of days from 1 to 365.");
  }
  return now + days * DAY_MS;
}

export function hashLinkPassword(password: string): string {
  const bytes = new TextEncoder().encode(password).length;
  if (bytes === 0) throw invalid("The password cannot be empty.");
  if (bytes > MAX_PASSWORD_BYTES) {
    throw appError(
      "PASSWORD_TOO_LONG",
      `The password is ${bytes} bytes long; the limit is ${MAX_PASSWORD_BYTES} bytes (UTF-8).`,
    );
  }
  return bcrypt.hashSync(password, BCRYPT_COST);
}

export function passwordMatches(password: string, hash: string): boolean {
  if (new TextEncoder().encode(password).length > MAX_PASSWORD_BYTES) return false;
  return bcrypt.compareSync(password, hash);
}
