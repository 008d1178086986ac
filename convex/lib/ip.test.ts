import { expect, test } from "vitest";
import { addressAllowed, parseAllowlist } from "./ip";

test("IPv4 addresses and CIDR ranges", () => {
  const list = parseAllowlist("203.0.113.7, 10.0.0.0/8");
  expect(addressAllowed("203.0.113.7", list)).toBe(true);
  expect(addressAllowed("203.0.113.8", list)).toBe(false);
  expect(addressAllowed("10.255.1.2", list)).toBe(true);
  expect(addressAllowed("11.0.0.1", list)).toBe(false);
  expect(addressAllowed("::ffff:10.1.2.3", list)).toBe(true);
  expect(addressAllowed(undefined, list)).toBe(false);
});

test("IPv6 addresses and CIDR ranges, compressed forms", () => {
  const list = parseAllowlist("2001:db8::/32, ::1, fe80::1:2");
  expect(addressAllowed("2001:db8:ffff::1", list)).toBe(true);
  expect(addressAllowed("2001:0db8:0000:0000:0000:0000:0000:0001", list)).toBe(true);
  expect(addressAllowed("2001:db9::1", list)).toBe(false);
  expect(addressAllowed("::1", list)).toBe(true);
  expect(addressAllowed("[fe80::1:2]", list)).toBe(true);
  expect(addressAllowed("203.0.113.7", list)).toBe(false);
});

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { data: { code: string; message: string } }).data.message;
  }
  return "did not throw";
}

test("bad entries are named", () => {
  expect(messageOf(() => parseAllowlist("10.0.0.0/8, 300.1.1.1"))).toBe('"300.1.1.1" is not an IPv4/IPv6 address or CIDR range.');
  expect(messageOf(() => parseAllowlist("2001:db8::/129"))).toContain('"2001:db8::/129"');
  expect(messageOf(() => parseAllowlist("1:2:3:4:5:6:7:8:9"))).toContain("not an IPv4/IPv6");
  expect(messageOf(() => parseAllowlist(" , "))).toContain("empty");
});
