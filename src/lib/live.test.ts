import { getFunctionName } from "convex/server";
import { describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { liveApi } from "./live";

describe("liveApi", () => {
  it("names every function as convex/server's api does", () => {
    expect(getFunctionName(liveApi.shareLinks.getByToken)).toBe("shareLinks:getByToken");
    expect(getFunctionName(liveApi.shareGrants.renew)).toBe(getFunctionName(api.shareGrants.renew));
    expect(getFunctionName(liveApi.comments.addAsGuest)).toBe(getFunctionName(api.comments.addAsGuest));
  });

  it("joins nested module paths with slashes, as Convex does", () => {
    const nested = liveApi as unknown as Record<string, Record<string, Record<string, unknown>>>;
    const anyNested = api as unknown as Record<string, Record<string, Record<string, unknown>>>;
    expect(getFunctionName(nested.lib!.tokens!.check as never)).toBe("lib/tokens:check");
    expect(getFunctionName(nested.lib!.tokens!.check as never)).toBe(getFunctionName(anyNested.lib!.tokens!.check as never));
  });
});
