import { PassThrough } from "node:stream";
import { expect, test } from "vitest";
import { AddressSlots, prefetchBody as prefetchWithWhole } from "./bodyPrefetch";

const prefetchBody = async (source: PassThrough, limit: number) => (await prefetchWithWhole(source, limit)).stream;

const read = async (stream: NodeJS.ReadableStream) => {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts).toString();
};

test("resolves once `limit` bytes have come (the rest still to come), and yields every byte in order", async () => {
  const source = new PassThrough();
  let resolved = false;
  const ready = prefetchBody(source, 8).then((stream) => ((resolved = true), stream));
  source.write("abcd");
  await new Promise((r) => setTimeout(r, 10));
  expect(resolved).toBe(false);
  source.write("efghij");
  const stream = await ready;
  source.end("klm");
  expect(await read(stream)).toBe("abcdefghijklm");
});

test("a body shorter than the limit is whole when it resolves; an empty one is empty", async () => {
  const short = new PassThrough();
  short.end("hi");
  expect(await read(await prefetchBody(short, 8))).toBe("hi");
  const empty = new PassThrough();
  empty.end();
  expect(await read(await prefetchBody(empty, 8))).toBe("");
});

test("a failure before the limit rejects; one after it fails the stream", async () => {
  const early = new PassThrough();
  const pending = prefetchBody(early, 8);
  early.destroy(new Error("cut"));
  await expect(pending).rejects.toThrow("cut");
  const late = new PassThrough();
  late.write("0123456789");
  const stream = await prefetchBody(late, 8);
  late.destroy(new Error("cut later"));
  await expect(read(stream)).rejects.toThrow("cut later");
});

test("a body shorter than the limit is whole; a longer one is not", async () => {
  const short = new PassThrough();
  short.end("hi");
  expect((await prefetchWithWhole(short, 8)).whole).toBe(true);
  const long = new PassThrough();
  long.write("0123456789");
  expect((await prefetchWithWhole(long, 8)).whole).toBe(false);
});

test("address slots: at most n holders per address, the next waits for a release, other addresses are unaffected", async () => {
  const slots = new AddressSlots(2);
  const a1 = await slots.acquire("a");
  await slots.acquire("a");
  let third = false;
  const waiting = slots.acquire("a").then((release) => ((third = true), release));
  expect(await Promise.race([slots.acquire("b").then(() => "b got one"), new Promise((r) => setTimeout(() => r("b waited"), 20))])).toBe(
    "b got one",
  );
  await new Promise((r) => setTimeout(r, 10));
  expect(third).toBe(false);
  a1();
  a1(); // a second release of the same slot changes nothing
  const a3 = await waiting;
  expect(third).toBe(true);
  expect(slots.holding("a")).toBe(2);
  a3();
  expect(slots.holding("a")).toBe(1);
});

test("address slots: at most inAll holders of all addresses; a waiter whose address is at its cap lets the next address go first", async () => {
  const slots = new AddressSlots(2, 3);
  const held = [await slots.acquire("a"), await slots.acquire("a"), await slots.acquire("b")];
  expect(slots.holding()).toBe(3);
  const order: string[] = [];
  const a3 = slots.acquire("a").then((release) => (order.push("a"), release));
  const c1 = slots.acquire("c").then((release) => (order.push("c"), release));
  await new Promise((r) => setTimeout(r, 10));
  expect(order).toEqual([]); // all three slots taken
  expect(slots.queued).toBe(2);
  held[2](); // b's slot: "a" is still at its cap of 2, so "c" (behind it) takes the slot
  await c1;
  expect(order).toEqual(["c"]);
  held[0](); // one of a's: now a's waiter fits
  await a3;
  expect(order).toEqual(["c", "a"]);
  expect([slots.holding(), slots.holding("a"), slots.holding("c"), slots.queued]).toEqual([3, 2, 1, 0]);
});

test("a body that sends nothing for stallMs after the read-ahead fails its stream and calls onStall; one that keeps sending does not", async () => {
  const stalled = new PassThrough();
  stalled.write("0123456789");
  let stalls = 0;
  const { stream } = await prefetchWithWhole(stalled, 8, { stallMs: 50, onStall: () => stalls++ });
  await expect(read(stream)).rejects.toThrow("The request body sent nothing for 0.05 s");
  expect(stalls).toBe(1);
  expect(stalled.destroyed).toBe(true);

  const steady = new PassThrough();
  steady.write("0123456789");
  const sending = await prefetchWithWhole(steady, 8, { stallMs: 50, onStall: () => stalls++ });
  const reading = read(sending.stream);
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 20));
    steady.write("x");
  }
  steady.end();
  expect(await reading).toBe("0123456789xxxxxx");
  expect(stalls).toBe(1);
});

test("a body that sends nothing for stallMs before the read-ahead is complete is refused with a 408 (nothing has started)", async () => {
  const source = new PassThrough();
  source.write("abc");
  let stalls = 0;
  await expect(prefetchWithWhole(source, 8, { stallMs: 50, onStall: () => stalls++ })).rejects.toMatchObject({
    status: 408,
    code: "RequestTimeout",
    message: "The request body sent nothing for 0.05 s",
  });
  expect(stalls).toBe(0); // the server answers it, then closes the connection
});
