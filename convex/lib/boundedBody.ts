/** Reading an HTTP action's request body without ever holding more than a limit of it. */

/**
 * The body as UTF-8 text, or null when it is longer than `limit` bytes (declared or streamed:
 * reading stops at the limit). Throws on bytes that are not UTF-8.
 */
export async function readBoundedText(request: Request, limit: number): Promise<string | null> {
  if (Number(request.headers.get("Content-Length") ?? "0") > limit) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
