import { ConvexClient } from "convex/browser";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import WebSocket from "ws";
import { FIXTURE_PROJECT, spawnBackend } from "./testing";

// Inside the repository, so the bundled functions resolve `convex` from its node_modules.
const project = mkdtempSync(path.join(path.dirname(FIXTURE_PROJECT), ".reload-fixture-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

test("editing convex/ reloads functions and re-runs open subscriptions", async () => {
  cpSync(path.join(FIXTURE_PROJECT, "convex"), path.join(project, "convex"), { recursive: true });
  writeFileSync(
    path.join(project, "convex", "greeting.ts"),
    `import { queryGeneric } from "convex/server";\nexport const get = queryGeneric({ args: {}, handler: async () => "hello" });\n`,
  );
  const backend = await spawnBackend({ projectDir: project, watch: true });
  const client = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
  try {
    const seen: unknown[] = [];
    client.onUpdate("greeting:get" as never, {} as never, (v: unknown) => seen.push(v));
    await expect.poll(() => seen).toEqual(["hello"]);
    writeFileSync(
      path.join(project, "convex", "greeting.ts"),
      `import { queryGeneric } from "convex/server";\nexport const get = queryGeneric({ args: {}, handler: async () => "bonjour" });\n`,
    );
    await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toBe("bonjour");
    expect(backend.output()).toContain("Reloaded functions");
  } finally {
    await client.close();
    await backend.stop();
  }
});
