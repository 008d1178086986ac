/** Log lines as Convex writes console calls (logFormat.ts): arguments inspected, timers in whole milliseconds. */
import { expect, test } from "vitest";
import { ConsoleTimers, logMessage, quoteString } from "./logFormat";

test("a string argument is single-quoted with quotes, backslashes and control characters escaped; others inspected", () => {
  expect(logMessage(["hello", 2, true, null, undefined])).toBe("'hello' 2 true null undefined");
  expect(quoteString("it's a\\b\nc\x01")).toBe("'it\\'s a\\\\b\\nc\\x01'");
  expect(logMessage([{ a: 1, b: ["x"] }])).toBe("{ a: 1, b: [ 'x' ] }");
  // "use node" actions: Node's util.inspect, which picks double quotes for a string holding a single quote.
  expect(logMessage(["Timer 'foo' already exists", "x"], "node")).toBe(`"Timer 'foo' already exists" 'x'`);
});

test("timers: whole milliseconds, a warning when started twice or missing; Node's executor inspects its own texts too", () => {
  const lines: string[] = [];
  const isolate = new ConsoleTimers((level, text) => lines.push(`${level} ${text}`));
  isolate.time(undefined);
  isolate.timeLog(undefined, ["bar"]);
  isolate.time(undefined);
  isolate.timeEnd(undefined);
  isolate.timeEnd("gone");
  expect(lines).toEqual([
    expect.stringMatching(/^INFO default: \d+ms 'bar'$/),
    "WARN Timer 'default' already exists",
    expect.stringMatching(/^INFO default: \d+ms$/),
    "WARN Timer 'gone' does not exist",
  ]);
  lines.length = 0;
  const node = new ConsoleTimers((level, text) => lines.push(`${level} ${text}`), "node");
  node.time("foo");
  node.time("foo");
  node.timeLog("foo", ["bar", "baz"]);
  expect(lines).toEqual([`WARN "Timer 'foo' already exists"`, expect.stringMatching(/^INFO 'foo: \d+ms' 'bar' 'baz'$/)]);
});
