/**
 * local-backend/ is a library of its own: its modules import one another without a cycle (type
 * imports included: a cycle of types still ties two concerns together), and nothing outside
 * local-backend/ (the app's convex/ and src/, the wire/ and e2e/ tests). The Convex apps it
 * uses as fixtures are apps, not the library: they are left out.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { expect, test } from "vitest";

const ROOT = dirname(fileURLToPath(import.meta.url));
/** The Convex apps the tests load: `fixture/`, `authFixture/`, `mountsFixture/` … */
const isFixture = (dir: string) => /^fixture$|Fixture$/.test(dir);

/** Every .ts module of the library, relative to local-backend/. */
function libraryModules(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return isFixture(entry.name) ? [] : libraryModules(join(dir, entry.name));
    return /\.ts$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [relative(ROOT, join(dir, entry.name))] : [];
  });
}

/** A module's relative imports (static, dynamic, `import type`, re-exports), as the compiler reads them. */
function relativeImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
  return importedFiles.map((f) => f.fileName).filter((name) => name.startsWith("."));
}

/** A relative import as a path from local-backend/ ("./keys" → "keys.ts", "../convex/x" → "../convex/x.ts"). */
function target(from: string, specifier: string): string {
  const path = relative(ROOT, resolve(ROOT, dirname(from), specifier.replace(/\.js$/, "")));
  return /\.[a-z]+$/i.test(path) ? path : `${path}.ts`;
}

/** Module → the modules it imports. */
type ImportGraph = Map<string, string[]>;

/**
 * The graph's cycles: its strongly connected components of more than one module, or of one that
 * imports itself (Tarjan's algorithm), each sorted, in sorted order.
 */
function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (module: string) => {
    index.set(module, index.size);
    low.set(module, index.get(module)!);
    stack.push(module);
    onStack.add(module);
    for (const next of graph.get(module) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(module, Math.min(low.get(module)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(module, Math.min(low.get(module)!, index.get(next)!));
    }
    if (low.get(module) !== index.get(module)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== module);
    if (component.length > 1 || graph.get(module)!.includes(module)) cycles.push(component.sort());
  };
  for (const module of graph.keys()) if (!index.has(module)) visit(module);
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

function libraryGraph(): ImportGraph {
  const modules = libraryModules();
  return new Map(modules.map((file) => [file, relativeImports(file).map((s) => target(file, s))]));
}

test("the library's modules import one another without a cycle", () => {
  const graph = libraryGraph();
  expect(graph.size).toBeGreaterThan(50);
  expect(graph.get("engine.ts")).toContain("syscalls.ts");
  expect(findCycles(graph)).toEqual([]);
});

test("nothing in local-backend/ imports from outside it (convex/, src/, wire/, e2e/)", () => {
  const outside = [...libraryGraph()].flatMap(([file, imports]) =>
    imports.filter((path) => path.startsWith("..")).map((path) => `${file} → ${path}`),
  );
  expect(outside).toEqual([]);
});

test("a cycle is found, whatever its length, and named once", () => {
  const graph: ImportGraph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts", "d.ts"]],
    ["c.ts", ["a.ts"]],
    ["d.ts", ["d.ts", "outside.ts"]],
    ["e.ts", ["a.ts"]],
  ]);
  expect(findCycles(graph)).toEqual([["a.ts", "b.ts", "c.ts"], ["d.ts"]]);
  expect(
    findCycles(
      new Map([
        ["a.ts", ["b.ts"]],
        ["b.ts", []],
      ]),
    ),
  ).toEqual([]);
});

test("an import that leaves local-backend/ is seen, however it is written", () => {
  expect(target("engine.ts", "../convex/lib/ranges")).toBe("../convex/lib/ranges.ts");
  expect(target("sub/x.ts", "../../src/App.js")).toBe("../src/App.ts");
  expect(target("sub/x.ts", "../keys")).toBe("keys.ts");
});
