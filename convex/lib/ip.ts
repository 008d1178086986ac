/** IPv4/IPv6 addresses and CIDR ranges for link allowlists. */
import { invalid } from "./errors";

type Parsed = { version: 4 | 6; value: bigint };

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    value = (value << 8n) | BigInt(Number(p));
  }
  return value;
}

function parseV6(text: string): bigint | null {
  let head = text;
  let tailV4: bigint | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const all = [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  if (all.length !== 8) return null;
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== null) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

export function parseAddress(text: string): Parsed | null {
  const t = text
    .trim()
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "");
  const v4 = parseV4(t);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseV6(t);
  if (v6 === null) return null;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) matches IPv4 entries.
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

type Range = { version: 4 | 6; base: bigint; bits: number };

function parseRange(entry: string): Range | null {
  const [addr, prefix, extra] = entry.trim().split("/");
  if (extra !== undefined) return null;
  const parsed = parseAddress(addr);
  if (!parsed) return null;
  const max = parsed.version === 4 ? 32 : 128;
  const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  if (bits < 0 || bits > max) return null;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(max - bits);
  return { version: parsed.version, base: parsed.value & mask, bits };
}

/** Normalized entries of a comma-separated allowlist; a bad entry is named in the error. */
export function parseAllowlist(text: string): string[] {
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw invalid("The IP allowlist is empty: give addresses or CIDR ranges, comma-separated.");
  if (entries.length > 100) throw invalid("An IP allowlist has at most 100 entries.");
  for (const e of entries) if (!parseRange(e)) throw invalid(`"${e}" is not an IPv4/IPv6 address or CIDR range.`);
  return entries;
}

export function addressAllowed(address: string | undefined, allowlist: string[]): boolean {
  const parsed = address ? parseAddress(address) : null;
  if (!parsed) return false;
  const max = parsed.version === 4 ? 32 : 128;
  return allowlist.some((entry) => {
    const range = parseRange(entry);
    if (!range || range.version !== parsed.version) return false;
    const mask = range.bits === 0 ? 0n : ((1n << BigInt(range.bits)) - 1n) << BigInt(max - range.bits);
    return (parsed.value & mask) === range.base;
  });
}
