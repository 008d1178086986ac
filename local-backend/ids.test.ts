/** Convex's id encoding (crates/value/src/id_v6.rs): known vectors, round trips, checksum and spelling rejection, and the store minting it. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import {
  base32Decode,
  base32Encode,
  decodeId,
  encodeId,
  fletcher16,
  MAX_ID_LENGTH,
  MIN_ID_LENGTH,
  newDocumentId,
  vintDecode,
  vintEncode,
} from "./ids";
import { DocumentStore } from "./database";

test("known vectors computed from the spec (VInt, 16 bytes, Fletcher-16 footer, base32)", () => {
  // Table 1, sixteen zero bytes: 01 00×16, footer fletcher16 = c1 0x11, c0 0x01 → bytes 01 11.
  expect(encodeId(1, new Uint8Array(16))).toBe("0400000000000000000000000000248");
  expect(
    encodeId(
      10_001,
      Uint8Array.from({ length: 16 }, (_, i) => i),
    ),
  ).toBe("j57000820c20a1g7104gm2rc1m70ynr8");
  expect(encodeId(513, new Uint8Array(16))).toBe("g42000000000000000000000000011ap");
  expect(encodeId(2 ** 32 - 1, new Uint8Array(16).fill(255))).toBe("zzzzzzrfzzzzzzzzzzzzzzzzzzzzzzzzzzxjj");
  expect(fletcher16(Uint8Array.from([1, 2]))).toBe((4 << 8) | 3);
  expect(vintEncode(300)).toEqual([0xac, 0x02]);
  expect(vintDecode(Uint8Array.from([0xac, 0x02]))).toEqual({ value: 300, length: 2 });
});

test("ids minted by Convex itself decode, with the table numbers they name", () => {
  // Storage ids from get-convex/convex-backend's dashboard stories: `_storage` is 540 (512 + 28) by default.
  expect(decodeId("kg204m40v9m1bmkthp86n486mh85s0rc")?.tableNumber).toBe(540);
  expect(decodeId("k570e9j5cj1t5gf0zwf3tq3vkawxhqr0")?.tableNumber).toBe(10_009);
});

test("round trip over table numbers of every VInt width", () => {
  for (const table of [1, 127, 128, 540, 10_001, 16_383, 16_384, 2 ** 21, 2 ** 28, 2 ** 32 - 1]) {
    const id = newDocumentId(table);
    expect(id.length).toBeGreaterThanOrEqual(MIN_ID_LENGTH);
    expect(id.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    const decoded = decodeId(id)!;
    expect(decoded.tableNumber).toBe(table);
    expect(encodeId(table, decoded.internalId)).toBe(id);
  }
  const bytes = Uint8Array.from({ length: 23 }, (_, i) => i * 11);
  expect(base32Decode(base32Encode(bytes))).toEqual(Buffer.from(bytes));
});

test("a changed character, a wrong checksum, a non-canonical spelling or a stranger is refused", () => {
  const id = newDocumentId(10_001);
  for (let i = 0; i < id.length; i++) {
    const other = id[i] === "a" ? "b" : "a";
    expect(decodeId(id.slice(0, i) + other + id.slice(i + 1))).toBeNull();
  }
  const bytes = base32Decode(id)!;
  bytes[bytes.length - 1] ^= 1;
  expect(decodeId(base32Encode(bytes))).toBeNull();
  // 19 bytes (table 1) leave 3 unused low bits in the last character: setting one spells the same bytes differently.
  const short = newDocumentId(1);
  const last = "0123456789abcdefghjkmnpqrstvwxyz".indexOf(short[short.length - 1]);
  expect(decodeId(short)).not.toBeNull();
  expect(decodeId(short.slice(0, -1) + "0123456789abcdefghjkmnpqrstvwxyz"[last | 1])).toBeNull();
  expect(decodeId(id.toUpperCase())).toBeNull();
  expect(decodeId("")).toBeNull();
  expect(decodeId("x".repeat(100))).toBeNull();
  expect(decodeId(encodeId(1, new Uint8Array(16)).replace(/^04/, "00"))).toBeNull(); // table 0
});

test("the store mints Convex ids: user tables from 10,001, _storage 540, and finds the table again", () => {
  const store = new DocumentStore(path.join(mkdtempSync(path.join(tmpdir(), "ids-")), "db.sqlite3"));
  const message = store.newId(":messages");
  const counter = store.newId(":counters");
  const file = store.newId(":_storage");
  expect(decodeId(message)?.tableNumber).toBe(10_001);
  expect(decodeId(counter)?.tableNumber).toBe(10_002);
  expect(decodeId(file)?.tableNumber).toBe(540);
  expect(store.tableOfId(message)).toBe(":messages");
  expect(store.tableOfId(file)).toBe(":_storage");
  // A component's table never reuses a number; an imported one may, and the component decides.
  expect(decodeId(store.newId("rateLimiter:rateLimits"))?.tableNumber).toBe(10_003);
  store.registerTable("auth:users", 10_001);
  expect(store.tableOfId(message, "")).toBe(":messages");
  expect(store.tableOfId(message, "auth")).toBe("auth:users");
  expect(store.tableOfId("not-an-id")).toBeNull();
  store.close();
});
