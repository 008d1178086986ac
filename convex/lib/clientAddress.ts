/**
 * The caller's network address in an HTTP action. Which header carries it is configurable
 * (CLIENT_ADDRESS_HEADER, default x-forwarded-for: first entry). The embedded backend sets
 * x-forwarded-for to the socket address itself, replacing anything the client sent.
 */
export function clientAddress(request: Request): string | undefined {
  const header = (process.env.CLIENT_ADDRESS_HEADER ?? "x-forwarded-for").toLowerCase();
  const value = request.headers.get(header)?.split(",")[0]?.trim();
  return value || undefined;
}
