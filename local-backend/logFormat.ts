/**
 * A console call's arguments as one log line, as Convex writes it: each argument inspected
 * (udf-runtime 02_console.ts `getMessage`, node-executor the same: object-inspect, so a string is
 * single-quoted with its quotes, backslashes and control characters escaped) and the messages
 * joined with a space (crates/common/src/log_lines.rs `to_pretty_string`). `console.log("hi", 2)`
 * is `'hi' 2`. Values other than strings are shown by Node's inspector, close to object-inspect's
 * output (not byte for byte for nested objects). "use node" actions inspect with Node's own
 * `util.inspect` (node-executor executor.ts `consoleMessage`), as here.
 */
import { inspect } from "node:util";

const ESCAPES: Record<string, string> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

/** object-inspect's string: single quotes (its default quoteStyle), `'` and `\` escaped, control characters as escapes. */
export function quoteString(s: string): string {
  const body = s
    .replace(/(['\\])/g, "\\$1")
    .replace(/[\x00-\x1f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  return `'${body}'`;
}

export type Runtime = "isolate" | "node";

export function inspectArgument(value: unknown, runtime: Runtime = "isolate"): string {
  if (runtime === "node") return inspect(value, { maxStringLength: 32768, customInspect: true });
  return typeof value === "string" ? quoteString(value) : inspect(value, { depth: 5, breakLength: Infinity });
}

export function logMessage(args: unknown[], runtime: Runtime = "isolate"): string {
  return args.map((a) => inspectArgument(a, runtime)).join(" ");
}

/**
 * console.time / timeLog / timeEnd as both Convex runtimes keep them (crates/isolate/src/ops/console.rs,
 * node-executor executor.ts): whole milliseconds, a warning for a timer started twice or missing.
 */
export class ConsoleTimers {
  private readonly started = new Map<string, number>();

  constructor(
    private readonly emit: (level: "INFO" | "WARN", text: string) => void,
    /** The isolate writes its own texts as they are; the Node executor inspects them like any argument. */
    private readonly runtime: Runtime = "isolate",
  ) {}

  private say(level: "INFO" | "WARN", own: string, args: unknown[] = []) {
    const first = this.runtime === "node" ? inspectArgument(own, "node") : own;
    this.emit(level, [first, ...args.map((a) => inspectArgument(a, this.runtime))].join(" "));
  }

  time(label: unknown) {
    const name = timerLabel(label);
    if (this.started.has(name)) return this.say("WARN", `Timer '${name}' already exists`);
    this.started.set(name, Date.now());
  }

  timeLog(label: unknown, args: unknown[]) {
    const name = timerLabel(label);
    const at = this.started.get(name);
    if (at === undefined) return this.say("WARN", `Timer '${name}' does not exist`);
    this.say("INFO", `${name}: ${Date.now() - at}ms`, args);
  }

  timeEnd(label: unknown) {
    const name = timerLabel(label);
    const at = this.started.get(name);
    if (at === undefined) return this.say("WARN", `Timer '${name}' does not exist`);
    this.started.delete(name);
    this.say("INFO", `${name}: ${Date.now() - at}ms`);
  }
}

/** 02_console.ts `toString(label, "default")`. */
const timerLabel = (label: unknown) => (label === undefined ? "default" : label === null ? "null" : String(label));
