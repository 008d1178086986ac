/**
 * `.paginate()` is refused in a component's functions, as Convex refuses it
 * (crates/isolate/src/environment/udf/async_syscall.rs `query_page`: PaginationUnsupportedInComponents),
 * so a component that works here works on Convex. The app's own queries paginate as before.
 */
import { ConvexHttpClient } from "convex/browser";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { projectCopy } from "./cliTesting";
import { spawnBackend, type RunningBackend } from "./testing";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "componentsFixture");
let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: projectCopy(FIXTURE) });
}, 60_000);
afterAll(async () => backend?.stop());

test("a component's query that paginates fails with Convex's message", async () => {
  const http = new ConvexHttpClient(backend.cloudUrl);
  await expect(http.query("tasks:notesPage" as never, {} as never)).rejects.toThrow(
    "paginate() is only supported in the app. Learn more at https://docs.convex.dev/components/authoring#pagination",
  );
});
