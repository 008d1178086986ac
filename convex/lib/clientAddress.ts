/**
 * The caller's network address in an HTTP action, believed only as far as the deployment says.
 *
 * `X-Forwarded-For` is a list each proxy appends to: `client, proxy1, proxy2`. Only the entries
 * added by proxies we run can be trusted; everything to their left is whatever the client sent.
 * The rightmost entry is the one the deployment's own front door wrote (the embedded backend
 * replaces the header with the socket address; see the README for Convex cloud and self-hosted).
 * `TRUSTED_PROXY_HOPS` (default 0) counts the further proxies of yours in front of that door:
 * with 1, the address is the entry just left of the rightmost one, and so on. A list too short
 * for the configured hops yields no address (callers then treat the client as unknown).
 *
 * `CLIENT_ADDRESS_HEADER` names another header that a trusted proxy sets to a single address
 * (e.g. `cf-connecting-ip`); it is then read as a one-entry list.
 */
export function clientAddress(request: Request): string | undefined {
  const header = (process.env.CLIENT_ADDRESS_HEADER ?? "x-forwarded-for").toLowerCase();
  return pickForwardedAddress(request.headers.get(header), trustedHops());
}

export function trustedHops(): number {
  const raw = process.env.TRUSTED_PROXY_HOPS;
  const hops = raw === undefined || raw === "" ? 0 : Number(raw);
  return Number.isInteger(hops) && hops >= 0 && hops <= 10 ? hops : 0;
}

/** The entry `hops` places left of the rightmost one, if it is a plausible address. */
export function pickForwardedAddress(value: string | null, hops: number): string | undefined {
  if (!value || value.length > 2048) return undefined;
  const entries = value.split(",").map((entry) => entry.trim());
  const picked = entries[entries.length - 1 - hops];
  return picked && /^[0-9A-Fa-f:.]{2,45}$/.test(picked) ? picked : undefined;
}
