/**
 * The User Timing API (https://w3c.github.io/user-timing/) in a function's context, as Convex's
 * runtime has it (npm-packages/udf-runtime/src/27_performance.ts): `performance.mark`, `measure`,
 * `getEntries`, `getEntriesByName`, `getEntriesByType`, `clearMarks`, `clearMeasures`, `toJSON`,
 * and the `Performance`, `PerformanceEntry`, `PerformanceMark` and `PerformanceMeasure` globals,
 * with Convex's errors. Times come from the context's own `performance.now()` (a query's stands
 * still). Convex runs each execution in a fresh context; here a context serves many executions,
 * so the entries belong to the execution that made them (`entries`).
 */

/** What an entry is made of. */
export type EntryFields = { name: string; entryType: "mark" | "measure"; startTime: number; duration: number; detail?: unknown };

const HIDDEN = Symbol("userTiming.construct");

const needArguments = (given: number, required: number, what: string) => {
  if (given < required)
    throw new TypeError(`${what}: ${required} argument${required === 1 ? "" : "s"} required, but only ${given} present.`);
};

type MeasureOptions = { start?: string | number; end?: string | number; duration?: number; detail?: unknown };

/** `performance` and the entry classes for one context. `now` is its performance.now(); `entries` the running execution's list. */
export function userTiming(now: () => number, timeOrigin: number, entries: () => EntryFields[]) {
  const fields = new WeakMap<object, EntryFields>();
  const own = (entry: object) => {
    const found = fields.get(entry);
    if (!found) throw new TypeError("Illegal invocation");
    return found;
  };

  class PerformanceEntry {
    constructor(key?: symbol, entry?: EntryFields) {
      if (key !== HIDDEN || !entry) throw new TypeError("Illegal constructor");
      fields.set(this, entry);
    }
    get name() {
      return own(this).name;
    }
    get entryType() {
      return own(this).entryType;
    }
    get startTime() {
      return own(this).startTime;
    }
    get duration() {
      return own(this).duration;
    }
    toJSON(): Record<string, unknown> {
      const { name, entryType, startTime, duration } = own(this);
      return { name, entryType, startTime, duration };
    }
    get [Symbol.toStringTag]() {
      return "PerformanceEntry";
    }
  }

  class PerformanceMark extends PerformanceEntry {
    constructor(name: string, options?: { startTime?: number; detail?: unknown }) {
      needArguments(arguments.length, 1, "Failed to construct 'PerformanceMark'");
      const startTime = options?.startTime ?? now();
      super(HIDDEN, { name: String(name), entryType: "mark", startTime, duration: 0 });
      if (startTime < 0) throw new TypeError(`Cannot construct PerformanceMark: startTime cannot be negative, received ${startTime}`);
      own(this).detail = structuredClone(options?.detail ?? null);
    }
    get detail() {
      return own(this).detail;
    }
    toJSON() {
      return { ...super.toJSON(), detail: this.detail };
    }
  }

  class PerformanceMeasure extends PerformanceEntry {
    constructor(key?: symbol, entry?: EntryFields) {
      super(key, entry);
    }
    get detail() {
      return own(this).detail;
    }
    toJSON() {
      return { ...super.toJSON(), detail: this.detail };
    }
  }

  const made = new WeakMap<EntryFields, PerformanceEntry>();
  const list = (name?: string, type?: string) =>
    entries()
      .filter((entry) => (name === undefined || entry.name === name) && (type === undefined || entry.entryType === type))
      .map((entry) => made.get(entry)!);

  /** A mark's name (its latest startTime) or a time; Convex's errors for a missing mark or a negative time. */
  const timeOf = (mark: string | number): number => {
    if (typeof mark === "string") {
      const found = entries()
        .filter((entry) => entry.name === mark && entry.entryType === "mark")
        .at(-1);
      if (!found) throw new DOMException(`Cannot find mark: "${mark}"`, "SyntaxError");
      return found.startTime;
    }
    if (mark < 0) throw new TypeError(`Mark cannot be negative: received ${mark}`);
    return mark;
  };

  const record = (entry: PerformanceEntry) => {
    const stored = own(entry);
    made.set(stored, entry);
    entries().push(stored);
    return entry;
  };

  const clear = (type: "mark" | "measure", name?: string) => {
    const kept = entries().filter((entry) => entry.entryType !== type || (name !== undefined && entry.name !== name));
    entries().splice(0, Infinity, ...kept);
  };

  class Performance extends EventTarget {
    constructor(key?: symbol) {
      if (key !== HIDDEN) throw new TypeError("Illegal constructor");
      super();
    }
    now() {
      return now();
    }
    get timeOrigin() {
      return timeOrigin;
    }
    toJSON() {
      return { timeOrigin };
    }
    mark(markName: string, options?: { startTime?: number; detail?: unknown }) {
      needArguments(arguments.length, 1, "Failed to execute 'mark' on 'Performance'");
      return record(new PerformanceMark(markName, options));
    }
    measure(measureName: string, startOrOptions?: string | MeasureOptions, endMark?: string) {
      needArguments(arguments.length, 1, "Failed to execute 'measure' on 'Performance'");
      const options = startOrOptions !== null && typeof startOrOptions === "object" ? startOrOptions : undefined;
      if (options && Object.keys(options).length > 0) {
        if (endMark) throw new TypeError('Options cannot be passed with "endMark"');
        if ("start" in options && "duration" in options && "end" in options)
          throw new TypeError('Cannot specify "start", "end", and "duration" together in options');
      }
      const end = endMark
        ? timeOf(endMark)
        : options?.end !== undefined
          ? timeOf(options.end)
          : options?.start !== undefined && options.duration !== undefined
            ? timeOf(options.start) + timeOf(options.duration)
            : now();
      const start =
        options?.start !== undefined
          ? timeOf(options.start)
          : options?.end !== undefined && options.duration !== undefined
            ? timeOf(options.end) - timeOf(options.duration)
            : typeof startOrOptions === "string"
              ? timeOf(startOrOptions)
              : 0;
      const entry: EntryFields = { name: String(measureName), entryType: "measure", startTime: start, duration: end - start };
      const measure = new PerformanceMeasure(HIDDEN, entry);
      entry.detail = structuredClone(options?.detail ?? null);
      return record(measure);
    }
    getEntries() {
      return list();
    }
    getEntriesByName(name: string, type?: string) {
      needArguments(arguments.length, 1, "Failed to execute 'getEntriesByName' on 'Performance'");
      return list(name, type);
    }
    getEntriesByType(type: string) {
      needArguments(arguments.length, 1, "Failed to execute 'getEntriesByType' on 'Performance'");
      return list(undefined, type);
    }
    clearMarks(markName?: string) {
      clear("mark", markName);
    }
    clearMeasures(measureName?: string) {
      clear("measure", measureName);
    }
    clearResourceTimings() {}
    setResourceTimingBufferSize(size: number) {
      needArguments(arguments.length, 1, "Failed to execute 'setResourceTimingBufferSize' on 'Performance'");
      void size;
    }
  }

  return { performance: new Performance(HIDDEN), Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure };
}
