/** The embedded runtime's SHA digests give exactly what Web Crypto gives, for every input shape. */
import { webcrypto } from "node:crypto";
import { expect, test } from "vitest";
import { installFastDigest } from "./runtimeCrypto";

test("SHA digests match Web Crypto for strings' bytes, ArrayBuffers, views and algorithm objects", async () => {
  const original = webcrypto.subtle.digest;
  const reference = original.bind(webcrypto.subtle);
  const expected = new Map<string, string>();
  const bytes = new TextEncoder().encode("share-link grant token ✓");
  const backing = new Uint8Array([9, 9, ...bytes, 9]);
  const inputs = { bytes, buffer: bytes.slice().buffer, view: new DataView(backing.buffer, 2, bytes.length), empty: new Uint8Array(0) };
  const hex = (b: ArrayBuffer) => Buffer.from(b).toString("hex");
  for (const algorithm of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
    for (const [name, data] of Object.entries(inputs)) expected.set(`${algorithm}/${name}`, hex(await reference(algorithm, data)));
  }
  installFastDigest();
  expect(globalThis.crypto.subtle.digest).not.toBe(original);
  for (const algorithm of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
    for (const [name, data] of Object.entries(inputs)) {
      expect(hex(await globalThis.crypto.subtle.digest(algorithm, data))).toBe(expected.get(`${algorithm}/${name}`));
      expect(hex(await globalThis.crypto.subtle.digest({ name: algorithm.toLowerCase() }, data))).toBe(
        expected.get(`${algorithm}/${name}`),
      );
    }
  }
  await expect(globalThis.crypto.subtle.digest("MD5", bytes)).rejects.toThrow();
});
