/**
 * Web Crypto as functions see it. Node's `crypto.subtle.digest` hands every digest to the
 * libuv thread pool (the pool that also serves file reads) and costs ~30 µs of CPU; a
 * function awaiting it holds the serial engine meanwhile. SHA digests are answered here
 * from `node:crypto` instead, same result, same Promise<ArrayBuffer> shape.
 */
import { createHash } from "node:crypto";

const NODE_NAMES: Record<string, string> = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

function bytesOf(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

let installed = false;
export function installFastDigest() {
  if (installed) return;
  installed = true;
  const subtle = globalThis.crypto.subtle;
  const webDigest = subtle.digest.bind(subtle);
  subtle.digest = ((algorithm: AlgorithmIdentifier, data: BufferSource) => {
    const name = NODE_NAMES[(typeof algorithm === "string" ? algorithm : (algorithm?.name ?? "")).toUpperCase()];
    const bytes = bytesOf(data);
    if (!name || !bytes) return webDigest(algorithm, data);
    const digest = createHash(name).update(bytes).digest();
    return Promise.resolve(digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength));
  }) as SubtleCrypto["digest"];
}
