/**
 * Upload URLs (`/api/storage/upload?token=…`): each token is an HMAC'd expiry and random nonce,
 * good for one upload within an hour (Convex's STORE_FILE_AUTHORIZATION_VALIDITY, convex-backend
 * crates/local_backend/src/storage.rs); the nonces of spent tokens are kept in SQLite until they
 * expire, so a URL cannot be replayed, even across restarts. Also: the upload size limit, and the
 * startup sweep of files a crash left behind.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { DocumentStore } from "./database";
import { HttpError } from "./httpInput";

export const UPLOAD_URL_VALIDITY_MS = 60 * 60 * 1000;
const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024; // 2 GiB

/** LOCAL_BACKEND_MAX_UPLOAD_BYTES, else the deployment's MAX_UPLOAD_BYTES, else 2 GiB. */
export function maxUploadBytes(env: NodeJS.ProcessEnv = process.env): number {
  for (const name of ["LOCAL_BACKEND_MAX_UPLOAD_BYTES", "MAX_UPLOAD_BYTES"]) {
    const value = Number(env[name]);
    if (Number.isSafeInteger(value) && value > 0) return value;
  }
  return DEFAULT_MAX_UPLOAD_BYTES;
}

/**
 * How long one upload POST may take: Convex's "upload POST request has a 2 minute timeout"
 * (npm-packages/docs/docs/file-storage/upload-files.mdx), or LOCAL_BACKEND_UPLOAD_TIMEOUT_MS. An
 * app whose single POST of a large file works here would fail on Convex; uploads in chunks fit.
 */
export function uploadTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.LOCAL_BACKEND_UPLOAD_TIMEOUT_MS);
  return Number.isSafeInteger(value) && value > 0 ? value : 2 * 60 * 1000;
}

/** The refusal of an upload still coming in when its time is up: 408, said before the connection closes. */
export const uploadTimedOut = (ms: number) =>
  new HttpError(
    408,
    "UploadTimedOut",
    `The upload took longer than ${ms / 1000} s: an upload POST has a 2 minute timeout on Convex. Upload large files in parts.`,
  );

export type TokenCheck = { ok: true; nonce: string; expires: number } | { ok: false; expired?: true };

export class UploadTokens {
  private insert;
  private purge;

  constructor(
    store: DocumentStore,
    private secret: () => string,
    private now: () => number = () => Date.now(),
  ) {
    store.sql.exec(`
      CREATE TABLE IF NOT EXISTS spent_upload_tokens (nonce TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS spent_upload_tokens_by_expiry ON spent_upload_tokens (expires);
    `);
    this.insert = store.sql.prepare("INSERT OR IGNORE INTO spent_upload_tokens (nonce, expires) VALUES (?, ?)");
    this.purge = store.sql.prepare("DELETE FROM spent_upload_tokens WHERE expires < ?");
    this.forgetExpired();
  }

  private mac(payload: string) {
    return createHmac("sha256", this.secret()).update(`upload:${payload}`).digest();
  }

  issue(): string {
    const payload = `${this.now() + UPLOAD_URL_VALIDITY_MS}.${randomBytes(16).toString("base64url")}`;
    return `${payload}.${this.mac(payload).toString("base64url")}`;
  }

  /** Signature and expiry only; says nothing about whether the token was spent. */
  check(token: string): TokenCheck {
    const match = /^(\d{1,15})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return { ok: false };
    const [, expiresText, nonce, macText] = match;
    const expires = Number(expiresText);
    const sent = Buffer.from(macText, "base64url");
    const expected = this.mac(`${expiresText}.${nonce}`);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) return { ok: false };
    // A genuine token past its time: told apart, as Convex's keybroker does (StorageTokenExpired).
    return expires < this.now() ? { ok: false, expired: true } : { ok: true, nonce, expires };
  }

  /**
   * Spends a checked token; false if it was spent before. Call it outside any open transaction
   * (through `engine.serial`), so no function's rollback can un-spend it.
   */
  spend(token: Extract<TokenCheck, { ok: true }>): boolean {
    this.forgetExpired();
    return this.insert.run(token.nonce, token.expires).changes === 1;
  }

  private forgetExpired() {
    this.purge.run(this.now());
  }
}

/**
 * After a crash: removes partial uploads (`.upload-*`) and files with no `_storage` row (an
 * upload renamed into place whose row was never committed). Returns the names removed.
 */
export async function sweepStorageLeftovers(dir: string, store: DocumentStore): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const orphan = entry.name.startsWith(".upload-") || !isStoredFile(store, entry.name);
    if (!orphan) continue;
    await fs.rm(path.join(dir, entry.name), { force: true });
    removed.push(entry.name);
  }
  return removed;
}

function isStoredFile(store: DocumentStore, name: string) {
  const tableKey = store.tableOfId(name);
  return tableKey !== null && tableKey.endsWith(":_storage") && store.get(name) !== null;
}

/**
 * The upload's `Digest: sha-256=<base64>` header, as Convex's `DigestHeader` decodes it
 * (convex-backend crates/common/src/sha256.rs, `Sha256Digest::from_base64` in
 * crates/value/src/sha256.rs): absent is fine; anything but `sha-256=` and the standard base64
 * of 32 bytes is 400 `BadHeader` (crates/local_backend/src/storage.rs `map_header_err`).
 * Returns the expected digest in base64, or null.
 */
export function expectedSha256(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const value = Array.isArray(header) ? header[0] : header;
  const encoded = value.startsWith("sha-256=") ? value.slice("sha-256=".length) : null;
  const bytes = encoded !== null && /^[A-Za-z0-9+/]*={0,2}$/.test(encoded) ? Buffer.from(encoded, "base64") : null;
  if (!bytes || bytes.length !== 32) throw new HttpError(400, "BadHeader", "Bad header for digest: invalid HTTP header parsed");
  return bytes.toString("base64");
}

/** crates/file_storage/src/core.rs `upload_file`: the received bytes must hash to the expected digest. */
export function sha256MismatchError(expected: string, actual: string) {
  return new HttpError(400, "Sha256Mismatch", `Sha256 mismatch. Expected: ${expected} Actual: ${actual}`);
}
