import { afterEach, expect, test } from "vitest";
import { clientAddress, pickForwardedAddress } from "./clientAddress";

afterEach(() => {
  delete process.env.TRUSTED_PROXY_HOPS;
  delete process.env.CLIENT_ADDRESS_HEADER;
});

const request = (headers: Record<string, string>) => new Request("http://site.test/api/v1/grant", { headers });

test("by default only the rightmost X-Forwarded-For entry (written by the deployment's front door) is believed", () => {
  // A client that claims to be an allowed office address gets nowhere: its entries are on the left.
  expect(clientAddress(request({ "X-Forwarded-For": "10.0.0.1, 203.0.113.9" }))).toBe("203.0.113.9");
  expect(clientAddress(request({ "X-Forwarded-For": "203.0.113.9" }))).toBe("203.0.113.9");
  expect(clientAddress(request({}))).toBeUndefined();
});

test("TRUSTED_PROXY_HOPS counts the operator's own proxies in front of the front door", () => {
  process.env.TRUSTED_PROXY_HOPS = "1";
  expect(clientAddress(request({ "X-Forwarded-For": "10.0.0.1, 198.51.100.4, 203.0.113.9" }))).toBe("198.51.100.4");
  // Too few entries for the configured hops: the address is unknown, never the forgeable left end.
  expect(clientAddress(request({ "X-Forwarded-For": "203.0.113.9" }))).toBeUndefined();
  process.env.TRUSTED_PROXY_HOPS = "nonsense";
  expect(clientAddress(request({ "X-Forwarded-For": "10.0.0.1, 203.0.113.9" }))).toBe("203.0.113.9");
});

test("another single-address header can be configured", () => {
  process.env.CLIENT_ADDRESS_HEADER = "cf-connecting-ip";
  expect(clientAddress(request({ "CF-Connecting-IP": "2001:db8::1", "X-Forwarded-For": "10.0.0.1" }))).toBe("2001:db8::1");
});

test("garbage is no address", () => {
  expect(pickForwardedAddress("<script>", 0)).toBeUndefined();
  expect(pickForwardedAddress("1.2.3.4, ", 0)).toBeUndefined();
  expect(pickForwardedAddress("x".repeat(5000), 0)).toBeUndefined();
  expect(pickForwardedAddress("::ffff:192.0.2.1", 0)).toBe("::ffff:192.0.2.1");
});
