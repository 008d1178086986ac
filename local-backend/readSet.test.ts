import { expect, test } from "vitest";
import { encodeKey } from "./keys";
import { MAX_READ_INTERVALS, MAX_WRITE_KEYS, ReadSet, WriteSet } from "./readSet";

const T = ":messages";
const key = (...values: unknown[]) => encodeKey(values);
const writeOf = (index: string, ...keys: Buffer[]) => {
  const w = new WriteSet();
  for (const k of keys) w.touch(T, index, k);
  return w;
};

test("a write overlaps a read only when its key falls in a read interval of the same index", () => {
  const reads = new ReadSet();
  reads.range(T, "by_channel", key("a"), key("b"));
  expect(reads.overlaps(writeOf("by_channel", key("a", 5)))).toBe(true);
  expect(reads.overlaps(writeOf("by_channel", key("b")))).toBe(false); // high bound is exclusive
  expect(reads.overlaps(writeOf("by_channel", key("c")))).toBe(false);
  expect(reads.overlaps(writeOf("by_creation_time", key("a", 5)))).toBe(false);
  const other = new WriteSet();
  other.touch(":events", "by_channel", key("a", 5));
  expect(reads.overlaps(other)).toBe(false);
});

test("point reads match the document's by_id key; table reads match any key of the table", () => {
  const reads = new ReadSet();
  reads.point(T, "id1");
  expect(reads.overlaps(writeOf("by_id", key("id1")))).toBe(true);
  expect(reads.overlaps(writeOf("by_id", key("id10")))).toBe(false);
  const counted = new ReadSet();
  counted.table(T);
  expect(counted.overlaps(writeOf("by_id", key("anything")))).toBe(true);
});

test("intervals widened in place (a stream advancing) are what is checked", () => {
  const reads = new ReadSet();
  const seen = reads.range(T, "by_channel", key("a"), key("a"));
  expect(reads.overlaps(writeOf("by_channel", key("a", 1)))).toBe(false);
  seen.high = key("a", 2);
  expect(reads.overlaps(writeOf("by_channel", key("a", 1)))).toBe(true);
});

test("coarse forms: whole tables and everything", () => {
  const reads = new ReadSet();
  reads.range(T, "by_channel", key("a"), key("b"));
  const whole = new WriteSet();
  whole.add(T);
  expect(reads.overlaps(whole)).toBe(true);
  expect(reads.overlaps(WriteSet.everything())).toBe(true);
  expect(ReadSet.everything().overlaps(writeOf("by_id", key("x")))).toBe(true);
  const tableRead = new ReadSet();
  tableRead.add(T);
  expect(tableRead.overlaps(writeOf("by_channel", key("zzz")))).toBe(true);
  expect(new ReadSet().overlaps(new WriteSet())).toBe(false);
});

test("merging keeps every key; too many intervals or keys fall back to whole tables (bounded size)", () => {
  const burst = new WriteSet();
  burst.merge(writeOf("by_channel", key("a", 1)));
  burst.merge(writeOf("by_channel", key("c", 1)));
  const reads = new ReadSet();
  reads.range(T, "by_channel", key("c"), key("d"));
  expect(reads.overlaps(burst)).toBe(true);

  const many = new ReadSet();
  for (let i = 0; i <= MAX_READ_INTERVALS; i++) many.point(T, `id${i}`);
  expect(many.ranges.size).toBe(0);
  expect(many.wholeTables.has(T)).toBe(true);
  expect(many.overlaps(writeOf("by_id", key("unrelated")))).toBe(true);

  const big = new WriteSet();
  for (let i = 0; i <= MAX_WRITE_KEYS; i++) big.touch(T, "by_id", key(`id${i}`));
  expect(big.keys.size).toBe(0);
  expect(big.wholeTables.has(T)).toBe(true);
});
