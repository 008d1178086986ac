import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { ANONYMOUS_SUBSTITUTES } from "../../scripts/buildSpa.mjs";
import { AuthenticationManager, jwtDecode } from "./anonymousAuth";

// convex/browser's client, as the share build compiles it (scripts/buildSpa.mjs swaps two of its imports).
const client = readFileSync(path.join(__dirname, "../../node_modules/convex/dist/esm/browser/sync/client.js"), "utf8");

test("the share build's substitutes are still what convex/browser's client imports", () => {
  for (const source of Object.keys(ANONYMOUS_SUBSTITUTES)) expect(client).toContain(`from "${source}"`);
  expect(client).toMatch(/import \{\s*AuthenticationManager\s*\} from "\.\/authentication_manager\.js"/);
  expect(client).toMatch(/import \{ jwtDecode \} from "\.\.\/\.\.\/vendor\/jwt-decode\/index\.js"/);
});

test("the stand-in has every method the client calls on its authentication manager", () => {
  const called = new Set([...client.matchAll(/this\.authenticationManager\.(\w+)\(/g)].map((m) => m[1]));
  expect([...called].sort()).toEqual(["onAuthError", "onTransition", "setConfig", "stop"]);
  for (const method of called)
    expect(typeof (AuthenticationManager.prototype as unknown as Record<string, unknown>)[method]).toBe("function");
});

test("signing in on the share page's client is refused loudly, never ignored", () => {
  const manager = new AuthenticationManager({}, {}, {});
  expect(() => manager.setConfig()).toThrow(/anonymous/);
  expect(() => jwtDecode()).toThrow(/anonymous/);
  expect(() => manager.onTransition()).not.toThrow();
  expect(() => manager.stop()).not.toThrow();
});
