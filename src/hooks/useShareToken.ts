/** The token (or custom slug) of /share/<token>, read from the address: the share page needs no router. */
export function useShareToken(): string {
  const segment = window.location.pathname.split("/")[2] ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
