/**
 * A thrown error's stack as Convex shows it to the developer: the frames of the user's code,
 * mapped through the bundle's source map back to `../convex/*.ts`, as Convex's
 * `JsError::from_frames` does (crates/common/src/errors.rs): a frame outside any bundle with a
 * source map is dropped, leading and trailing frames in Convex's own harness
 * (`convex/src/server/impl`, `udf-runtime/src`) are omitted, and each frame is written
 * `    at <name> (<file>:<line>:<column>)` (`impl fmt::Display for FrameData`).
 */
import { randomBytes } from "node:crypto";
import { SourceMap } from "node:module";
import path from "node:path";

/**
 * Bundle file (as V8 names it in a stack) → its source map, in this thread: the map's text until
 * an error's frames first need it, then the parsed map. Parsing an app's map took ~0.7 s of CPU
 * and tens of MiB per worker at start, for errors most workers never map.
 */
const maps = new Map<string, SourceMap | string>();

function mapOf(file: string): SourceMap | undefined {
  const known = maps.get(file);
  if (typeof known !== "string") return known;
  const parsed = new SourceMap(JSON.parse(known) as never);
  maps.set(file, parsed);
  return parsed;
}

/**
 * An esbuild source map with its sources named as Convex names them: relative to a folder beside
 * `convex/` (the CLI bundles into `out/`, so `convex/foo.ts` is `../convex/foo.ts`;
 * convex/src/bundler/index.ts).
 */
export function convexSourceMap(mapText: string, mapDir: string, projectDir: string): string {
  const payload = JSON.parse(mapText) as { sources: string[] };
  payload.sources = payload.sources.map((s) => `../${path.relative(projectDir, path.resolve(mapDir, s)).split(path.sep).join("/")}`);
  return JSON.stringify(payload);
}

/** Registers the source map of a bundle evaluated in this thread (`<bundle>.map` beside it), parsed when first used. */
export function registerSourceMap(bundleFile: string, mapText: string): void {
  maps.set(bundleFile, mapText);
}

/** Whether the bundle's source map has been parsed in this thread (stackFrames.test.ts). */
export function sourceMapParsed(bundleFile: string): boolean {
  return maps.get(bundleFile) instanceof SourceMap;
}

/** Leading and trailing frames of Convex's own code are not shown (FrameData::is_omittable_internal_frame). */
const isHarness = (file: string) => file.includes("udf-runtime/src") || file.includes("convex/src/server/impl");

/** The V8 frames of `stack` ("    at name (file:line:col)"), source-mapped; each line ends with "\n". */
export function convexFrames(stack: unknown): string {
  if (typeof stack !== "string" || maps.size === 0) return "";
  const frames: Array<{ text: string; file: string | null }> = [];
  for (const line of stack.split("\n")) {
    const frame = /^\s+at (async )?(?:(.*?) \((.+):(\d+):(\d+)\)|(.+):(\d+):(\d+))$/.exec(line);
    if (!frame) {
      // A frame without a location (`at async Promise.all (index 0)`) is kept as it is.
      const bare = /^\s+at (.*\(index \d+\).*)$/.exec(line);
      if (bare) frames.push({ text: `    at ${bare[1]}`, file: null });
      continue;
    }
    const [name, file, lineNo, col] = frame[3] ? [frame[2], frame[3], frame[4], frame[5]] : [undefined, frame[6], frame[7], frame[8]];
    const map = mapOf(file);
    if (!map) continue;
    const entry = map.findEntry(Number(lineNo) - 1, Number(col) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined) continue;
    const location = `${entry.originalSource}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
    frames.push({ text: `    at ${frame[1] ?? ""}${name ?? "<anonymous>"} (${location})`, file: entry.originalSource });
  }
  while (frames.length > 0 && frames[0].file !== null && isHarness(frames[0].file)) frames.shift();
  while (frames.length > 0 && frames.at(-1)!.file !== null && isHarness(frames.at(-1)!.file!)) frames.pop();
  return frames.map((f) => `${f.text}\n`).join("");
}

/**
 * What a client is told of a failed function (crates/application/src/redaction.rs
 * `impl Display for RedactedJsError`, dev deployments): the request id, then the error.
 */
export function serverErrorMessage(requestId: string | undefined, message: string): string {
  // An error before any execution (no such function) still gets an id of its own.
  return `[Request ID: ${requestId ?? randomBytes(8).toString("hex")}] Server Error\n${message}`;
}
