/**
 * Custom slugs are short and guessable, so resolving one must cost the guesser something.
 * Reactive queries cannot spend a rate limit, so they resolve a slug only with a slug ticket:
 * HMAC(deployment secret, slug), handed out by POST /api/v1/resolve, which spends the caller's
 * per-address budget. HTTP paths that know the caller's address spend that budget directly.
 * A ticket opens nothing by itself: it only proves its bearer paid to look that slug up.
 */
import { constantTimeEqual, deploymentMac, looksLikeToken } from "./tokens";

export async function slugTicket(slug: string): Promise<string> {
  return await deploymentMac("slug-ticket", slug.toLowerCase());
}

/** Whether `tokenOrSlug` may be resolved: a full token always, a slug only with its ticket. */
export async function mayResolve(tokenOrSlug: string, ticket: string | undefined): Promise<boolean> {
  if (looksLikeToken(tokenOrSlug)) return true;
  return ticket !== undefined && ticket.length <= 64 && constantTimeEqual(await slugTicket(tokenOrSlug), ticket);
}
