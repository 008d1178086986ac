/** Tests leave nothing behind: temporary data folders (and backends) are gone after a file, or a process, ends. */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { removeTempDataDirs, tempDataDir } from "./testing";

const here = path.dirname(fileURLToPath(import.meta.url));

test("removeTempDataDirs removes every folder tempDataDir made (the per-file afterAll of testCleanup.ts)", () => {
  const dirs = [tempDataDir(), tempDataDir("reelgate-backend-other-")];
  expect(dirs.every((d) => existsSync(d))).toBe(true);
  removeTempDataDirs();
  expect(dirs.some((d) => existsSync(d))).toBe(false);
});

test("a process that started a backend and exits without stopping it leaves no data folder and no backend", async () => {
  const script = `
    import { FIXTURE_PROJECT, spawnBackend, tempDataDir } from ${JSON.stringify(path.join(here, "testing.ts"))};
    const spare = tempDataDir();
    const backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
    console.log(JSON.stringify({ dirs: [spare, backend.dataDir], pid: backend.process.pid }));
    process.exit(0);
  `;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
  });
  const { dirs, pid } = JSON.parse(out.trim().split("\n").pop()!) as { dirs: string[]; pid: number };
  expect(dirs).toHaveLength(2);
  expect(dirs.every((d) => path.basename(d).startsWith("reelgate-backend-"))).toBe(true);
  expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  // The backend was killed at exit too (reaped by init a moment later).
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await expect.poll(alive, { timeout: 5_000 }).toBe(false);
}, 60_000);
