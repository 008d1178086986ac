import { siteUrl } from "./deployment";

export type AttemptTicket = { ok: true; ticket: string } | { ok: false; message: string };

/**
 * Asks the backend's HTTP action for a single-use ticket before signing in or up: that is
 * where the client address is known, so that is where attempts are counted. Sent as a
 * text/plain "simple" request, so the browser needs no CORS preflight.
 */
export async function requestAttemptTicket(email: string, flow: "signIn" | "signUp"): Promise<AttemptTicket> {
  let res: Response;
  try {
    res = await fetch(`${siteUrl}/auth/attempt`, { method: "POST", body: JSON.stringify({ email, flow }) });
  } catch {
    return { ok: false, message: "Could not reach the server. Check your connection and try again." };
  }
  const body = (await res.json().catch(() => null)) as { ticket?: string; error?: { message?: string } } | null;
  if (res.ok && typeof body?.ticket === "string") return { ok: true, ticket: body.ticket };
  return { ok: false, message: body?.error?.message ?? "Could not start signing in. Try again." };
}
