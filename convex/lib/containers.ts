/**
 * Whether stored bytes really are a video container, from their first bytes ("magic"):
 * MP4/MOV/M4V (ISO base media: an `ftyp` box at offset 4), WebM/Matroska (the EBML header
 * 1A 45 DF A3) and Ogg (`OggS`). A text file named `.mp4` is none of these.
 * Web APIs only: runs in the default runtime, reading a storage Blob once and only its head.
 */
import { literals } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";
/** Bytes read from the start of the first chunk: enough for every signature below. */
export const HEAD_BYTES = 12;

export const containerValidator = literals("isoBmff", "matroska", "ogg");
export type Container = Infer<typeof containerValidator>;

/** The container the bytes start with, or null when they are no video container this app accepts. */
export function containerOf(head: Uint8Array): Container | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  // ISO base media: a box [size:u32][type:4cc]; the first is `ftyp` with a size that holds its brand.
  const boxSize = head.length >= 4 ? new DataView(head.buffer, head.byteOffset, 4).getUint32(0) : 0;
  if (head.length >= 8 && ascii(4, 8) === "ftyp" && (boxSize >= 16 || boxSize === 1)) return "isoBmff";
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "matroska";
  if (head.length >= 4 && ascii(0, 4) === "OggS") return "ogg";
  return null;
}

/** The declared types each container may be served as; the first is used when the declared one does not fit. */
const TYPES_OF: Record<Container, readonly string[]> = {
  isoBmff: ["video/mp4", "video/quicktime", "video/x-m4v"],
  matroska: ["video/webm", "video/x-matroska"],
  ogg: ["video/ogg"],
};

/** The type to serve the file as: the declared one when it names this container, else the container's own. */
export function typeFor(container: Container, declared: string): string {
  const types = TYPES_OF[container];
  return types.includes(declared) ? declared : types[0];
}

/** What a finalize step returns for a file that is no video container (its action then throws NOT_A_VIDEO). */
export const notAVideoResult = v.object({ ok: v.literal(false), code: v.literal("NOT_A_VIDEO"), message: v.string() });

/** The words people read when a file is no video container. */
export function notAVideoMessage(fileName: string) {
  return `${fileName} is not a video file: its contents are not MP4, QuickTime, WebM, Matroska or Ogg. Export it as MP4 or WebM and upload it again.`;
}

/**
 * The first `count` bytes of a Blob (fewer when it is shorter), read once through its stream,
 * which is then cancelled: on Convex a storage Blob may be read only once, and reading stops
 * after its head instead of pulling a whole chunk.
 */
export async function readHead(blob: Blob, count = HEAD_BYTES): Promise<Uint8Array> {
  const reader = blob.stream().getReader();
  const head = new Uint8Array(count);
  let filled = 0;
  try {
    while (filled < count) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, count - filled);
      head.set(value.subarray(0, take), filled);
      filled += take;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return head.subarray(0, filled);
}
