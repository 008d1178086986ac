import { useCallback } from "react";
import type { FunctionReturnType } from "convex/server";
import type { api } from "../../convex/_generated/api";
import { siteUrl } from "../lib/deployment";

type GrantResult = FunctionReturnType<typeof api.shareLinks.issueAccessGrant>;

/**
 * Asks for an access grant through POST /api/v1/grant: over HTTP the caller's address is
 * known, so every attempt is counted against this viewer's own budgets (never a budget a
 * stranger could drain) and IP allowlists can be checked.
 */
export function useRequestGrant() {
  return useCallback(async (args: { token: string; password?: string; viewerId: string; slugTicket?: string }): Promise<GrantResult> => {
    const res = await fetch(`${siteUrl}/api/v1/grant`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(args),
      referrerPolicy: "no-referrer",
    });
    const body = (await res.json().catch(() => null)) as (GrantResult & { error?: { message?: string } }) | null;
    if (!res.ok || body === null || body.error) throw new Error(body?.error?.message ?? "Could not open the link. Try again.");
    return body;
  }, []);
}

/**
 * The ticket that lets the share page's queries resolve a custom slug (convex/lib/slugTickets.ts):
 * one rate-limited request per slug. Full tokens need none.
 */
export async function fetchSlugTicket(slug: string): Promise<string> {
  const res = await fetch(`${siteUrl}/api/v1/resolve`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ slug }),
    referrerPolicy: "no-referrer",
  });
  const body = (await res.json().catch(() => null)) as { slug_ticket?: string; error?: { message?: string } } | null;
  if (!res.ok || !body?.slug_ticket) throw new Error(body?.error?.message ?? "Could not open the link. Try again.");
  return body.slug_ticket;
}
