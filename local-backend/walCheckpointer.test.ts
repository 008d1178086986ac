/** The server's store checkpoints its WAL on a worker thread, never inside a commit, and the WAL stays bounded. */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { DocumentStore, type Doc } from "./database";
import { SnapshotReaders } from "./snapshotReads";
import { tempDataDir } from "./testing";
import { WalCheckpointer } from "./walCheckpointer";

const TABLE = ":notes";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function note(store: DocumentStore, i: number): Doc {
  return { _id: store.newId(TABLE), _creationTime: store.nextCreationTime(), text: `${i}:${"x".repeat(4000)}` };
}

test("commits leave the checkpoint to the worker: the writer's automatic checkpoint is off and the worker copies every frame", async () => {
  const file = path.join(tempDataDir("reelgate-wal-"), "db.sqlite3");
  const store = new DocumentStore(file, { checkpointInWorker: true });
  store.defineTable(TABLE, []);
  expect(store.sql.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
  for (let i = 0; i < 300; i++) store.transaction(() => store.write(TABLE, note(store, i), null));
  // The last commits came within the interval: the checkpoint owed for them runs once it has passed.
  for (let i = 0; i < 50; i++) {
    const last = store.checkpointer!.results.at(-1);
    if (last && "log" in last && last.log > 0 && last.checkpointed === last.log) break;
    await sleep(50);
  }
  const last = store.checkpointer!.results.at(-1)!;
  expect(last).toMatchObject({ log: expect.any(Number) });
  expect("log" in last && last.log > 0 && last.checkpointed === last.log).toBe(true);
  store.close();
  // Both connections closed cleanly: the last one removed the WAL, and the file opens again.
  expect(existsSync(`${file}-wal`)).toBe(false);
  const again = new DocumentStore(file);
  expect(again.count(TABLE)).toBe(300);
  again.close();
});

/** Snapshots opened as the engine opens them (engine.ts atSnapshot): after a pending WAL restart. */
async function withSnapshot(readers: SnapshotReaders, holdMs: number) {
  const held = readers.ready();
  if (held) await held;
  const reader = readers.acquire();
  try {
    await sleep(holdMs);
  } finally {
    readers.release(reader);
  }
}

async function overlappingLoad(store: DocumentStore, readers: SnapshotReaders, ms: number) {
  let stop = false;
  let largest = 0;
  // Three readers, each holding a snapshot 15 ms and starting the next at once, staggered: one is always open.
  const queries = [0, 5, 10].map(async (offset) => {
    await sleep(offset);
    while (!stop) await withSnapshot(readers, 15);
  });
  const deadline = Date.now() + ms;
  for (let i = 0; Date.now() < deadline; i++) {
    store.transaction(() => store.write(TABLE, note(store, i), null));
    if (i % 5 === 0) {
      largest = Math.max(largest, statSync(`${store.sql.name}-wal`).size);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  stop = true;
  await Promise.all(queries);
  return largest;
}

/** The largest the WAL grew under 1.5 s of overlapping snapshots and commits, with or without the engine's restart. */
async function largestWal(restart: boolean) {
  const file = path.join(tempDataDir("reelgate-wal-"), "db.sqlite3");
  // A checkpoint every 25 ms and a restart past 256 frames (2 MiB of 8 KiB pages), so that a short test writes many times that.
  const store = new DocumentStore(file, { checkpointInWorker: true, checkpointIntervalMs: 25, walRestartFrames: 256 });
  store.defineTable(TABLE, []);
  const readers = new SnapshotReaders(file);
  if (restart) store.checkpointer!.onLargeWal = () => readers.restartWhenIdle(() => store.truncateWal());
  const largest = await overlappingLoad(store, readers, 1500);
  const written = store.count(TABLE);
  readers.close();
  store.close();
  return { largest, written };
}

test("with snapshots always open beside the commits, the WAL stays bounded: it is truncated once they have ended", async () => {
  // Without the restart every commit stays in the WAL (hundreds of MiB here); with it, the WAL
  // holds what the loop writes between two checkpoints, whatever the machine's speed.
  const [without, withRestart] = [await largestWal(false), await largestWal(true)];
  expect(withRestart.written).toBeGreaterThan(1000);
  expect(without.largest).toBeGreaterThan(withRestart.written * 8 * 1024); // ≥ a frame per document written
  expect(withRestart.largest * 4).toBeLessThan(without.largest);
  expect(withRestart.largest).toBeLessThan(64 * 1024 * 1024);
});

test("a checkpointer that cannot run hands the checkpoint back (onFailure)", async () => {
  const failures: unknown[] = [];
  const checkpointer = new WalCheckpointer(path.join(tempDataDir("reelgate-wal-"), "missing.sqlite3"), (error) => failures.push(error));
  checkpointer.committed();
  for (let i = 0; i < 100 && failures.length === 0; i++) await sleep(20);
  expect(failures).toHaveLength(1);
  checkpointer.committed(); // stopped: asks nothing more
  checkpointer.close();
});
