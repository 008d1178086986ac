/** A function on a pool worker sees a variable changed with `npx convex env set` at once (workers keep values per version: workerEnv.ts). */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { adminKeyOf } from "./cliTesting";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

let backend: RunningBackend;
beforeAll(async () => void (backend = await spawnBackend({ projectDir: FIXTURE_PROJECT })));
afterAll(async () => backend?.stop());

const seen = async () =>
  (
    (await new ConvexHttpClient(backend.cloudUrl).query("fidelity:envSeen" as never, {} as never)) as {
      values: Record<string, string | null>;
    }
  ).values.FIXTURE_DEPLOYED;

async function envSet(value: string | null) {
  const res = await fetch(`${backend.cloudUrl}/api/update_environment_variables`, {
    method: "POST",
    headers: { Authorization: `Convex ${adminKeyOf(backend)}`, "Content-Type": "application/json" },
    body: JSON.stringify({ changes: [{ name: "FIXTURE_DEPLOYED", value }] }),
  });
  expect(res.status).toBe(200);
}

test("every worker's next execution sees each change, however often the variable was read before", async () => {
  // More reads than workers, so every worker has read (and kept) the old value.
  for (let i = 0; i < 8; i++) expect(await seen()).toBeNull();
  await envSet("first");
  for (let i = 0; i < 8; i++) expect(await seen()).toBe("first");
  await envSet("second");
  for (let i = 0; i < 8; i++) expect(await seen()).toBe("second");
  await envSet(null);
  for (let i = 0; i < 8; i++) expect(await seen()).toBeNull();
});
