import { useMutation } from "convex/react";
import { useCallback } from "react";
import type { FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api";
import { siteUrl } from "../lib/convex";

type GrantResult = FunctionReturnType<typeof api.shareLinks.issueAccessGrant>;

/**
 * Asks for an access grant. Links with an IP allowlist need the caller's address, which only
 * an HTTP request carries: for those the request goes to POST /api/v1/grant instead.
 */
export function useRequestGrant() {
  const issue = useMutation(api.shareLinks.issueAccessGrant);
  return useCallback(
    async (args: { token: string; password?: string; viewerId: string }): Promise<GrantResult> => {
      const result = await issue(args);
      if (result.ok || result.reason !== "ipCheckRequired") return result;
      const res = await fetch(`${siteUrl}/api/v1/grant`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(args),
        referrerPolicy: "no-referrer",
      });
      if (!res.ok) throw new Error(((await res.json()) as { error?: { message?: string } }).error?.message ?? "Could not open the link.");
      return (await res.json()) as GrantResult;
    },
    [issue],
  );
}
