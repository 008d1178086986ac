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

const walSize = (file: string) => statSync(`${file}-wal`).size;

test("with a snapshot always open beside the commits the WAL file never shrinks; a restart holds new snapshots until the open ones end, then truncates it", () => {
  const file = path.join(tempDataDir("reelgate-wal-"), "db.sqlite3");
  const store = new DocumentStore(file, { checkpointInWorker: true });
  store.defineTable(TABLE, []);
  const readers = new SnapshotReaders(file);
  // Snapshots overlapping as queries under load do: the next opens before the last one ends.
  let open = readers.acquire();
  const sizes: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 100; i++) store.transaction(() => store.write(TABLE, note(store, round * 100 + i), null));
    const next = readers.acquire();
    readers.release(open);
    open = next;
    sizes.push(walSize(file));
  }
  // The WAL file never shrinks on its own (a restart, if one came, writes it again from its start).
  expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
  expect(sizes[4]).toBeGreaterThan(0);

  readers.restartWhenIdle(() => store.truncateWal());
  const held = readers.ready();
  expect(held).not.toBeNull(); // a snapshot asked for now waits
  expect(walSize(file)).toBe(sizes[4]); // the open one still reads the WAL
  readers.release(open);
  expect(walSize(file)).toBe(0); // truncated the moment the last one ended
  expect(readers.ready()).toBeNull();
  const after = readers.acquire();
  expect(after.count(TABLE)).toBe(500); // nothing lost
  readers.release(after);
  readers.close();
  store.close();
});

test("the checkpointer reports a WAL past its restart size (the engine's cue to truncate it)", async () => {
  const file = path.join(tempDataDir("reelgate-wal-"), "db.sqlite3");
  const store = new DocumentStore(file, { checkpointInWorker: true, checkpointIntervalMs: 25, walRestartFrames: 64 });
  store.defineTable(TABLE, []);
  const readers = new SnapshotReaders(file);
  let reports = 0;
  store.checkpointer!.onLargeWal = () => reports++;
  const pinned = readers.acquire(); // the WAL cannot start over while this is open
  for (let round = 0; round < 100 && reports === 0; round++) {
    for (let i = 0; i < 20; i++) store.transaction(() => store.write(TABLE, note(store, round * 20 + i), null));
    await sleep(30);
  }
  expect(reports).toBeGreaterThan(0);
  readers.release(pinned);
  readers.close();
  store.close();
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

test("a restart that throws still lets the snapshots held for it open, and the snapshot that ended meanwhile ends cleanly", async () => {
  const file = path.join(tempDataDir("reelgate-wal-"), "db.sqlite3");
  const store = new DocumentStore(file);
  store.defineTable(TABLE, []);
  const readers = new SnapshotReaders(file);
  const open = readers.acquire();
  readers.restartWhenIdle(() => {
    throw new Error("database is locked");
  });
  const held = readers.ready();
  expect(held).not.toBeNull();
  expect(() => readers.release(open)).not.toThrow();
  await held;
  expect(readers.ready()).toBeNull();
  readers.release(readers.acquire());
  readers.close();
  store.close();
});
