import { ConvexHttpClient } from "convex/browser";
import { expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, tempDataDir } from "./testing";

test("kill -9 during a burst of writes loses no acknowledged write", async () => {
  const dataDir = tempDataDir();
  const first = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
  const http = new ConvexHttpClient(first.cloudUrl);
  const acknowledged: string[] = [];
  let stop = false;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      try {
        const body = `w${w}-${i}`;
        await http.mutation("messages:send" as never, { channel: "burst", body } as never);
        acknowledged.push(body);
      } catch {
        return;
      }
    }
  });
  await new Promise((r) => setTimeout(r, 700));
  await first.kill9();
  stop = true;
  await Promise.all(writers);
  expect(acknowledged.length).toBeGreaterThan(20);

  const second = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
  try {
    const rows = (await new ConvexHttpClient(second.cloudUrl).query("messages:list" as never, { channel: "burst" } as never)) as Array<{
      body: string;
    }>;
    const stored = new Set(rows.map((r) => r.body));
    expect(acknowledged.filter((b) => !stored.has(b))).toEqual([]);
  } finally {
    await second.stop();
  }
});

test("a scheduled function survives a restart and runs when due", async () => {
  const dataDir = tempDataDir();
  const first = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
  await new ConvexHttpClient(first.cloudUrl).mutation("messages:scheduleEvent" as never, { kind: "after-restart", delayMs: 8000 } as never);
  await first.stop();
  const second = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
  try {
    const http = new ConvexHttpClient(second.cloudUrl);
    expect(await http.query("messages:events" as never, {} as never)).not.toContain("after-restart");
    let events: string[] = [];
    // Far enough out that a slow restart (a loaded CI machine) is still before it is due.
    for (let i = 0; i < 150 && !events.includes("after-restart"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      events = (await http.query("messages:events" as never, {} as never)) as string[];
    }
    expect(events).toContain("after-restart");
  } finally {
    await second.stop();
  }
});

test("a taken port is a clear error and a non-zero exit", async () => {
  const first = await spawnBackend({ projectDir: FIXTURE_PROJECT });
  try {
    const port = Number(new URL(first.cloudUrl).port);
    const failure = await spawnBackend({ projectDir: FIXTURE_PROJECT, port }).catch((e) => e);
    expect(failure.exitCode).toBe(1);
    expect(failure.output).toContain(`Port ${port} (backend) is already in use`);
  } finally {
    await first.stop();
  }
});
