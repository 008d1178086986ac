import { beforeEach, expect, test } from "vitest";
import { forgetLapsedGrants } from "./useShareGrant";

beforeEach(() => localStorage.clear());

test("lapsed or unreadable grants of any link are dropped; live ones and other keys stay", () => {
  const now = Date.now();
  localStorage.setItem("reelgate.grant.live", JSON.stringify({ grantToken: "a".repeat(43), expiresAt: now + 60_000 }));
  localStorage.setItem("reelgate.grant.lapsed", JSON.stringify({ grantToken: "b".repeat(43), expiresAt: now - 1 }));
  localStorage.setItem("reelgate.grant.garbled", "{not json");
  localStorage.setItem("reelgate.grant.odd", JSON.stringify({ grantToken: 7, expiresAt: now + 60_000 }));
  localStorage.setItem("reelgate.viewerId", "v");
  forgetLapsedGrants(now);
  expect(Object.keys(localStorage).sort()).toEqual(["reelgate.grant.live", "reelgate.viewerId"]);
});
