import { expect, test } from "vitest";
import { PendingBudget } from "./pendingBudget";

const socket = () => {
  const s = { paused: false, pause: () => void (s.paused = true), resume: () => void (s.paused = false) };
  return s;
};
const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};
const settle = () => new Promise((r) => setTimeout(r, 0));

test("a connection past its byte budget is paused until its requests drain", async () => {
  const budget = new PendingBudget({ bytesPerConnection: 100, bytes: 1000, operationsPerConnection: 10 });
  const s = socket();
  const c = budget.connection(s);
  const first = deferred();
  c.hold(60, () => first.promise);
  expect(s.paused).toBe(false);
  const second = deferred();
  c.hold(60, () => second.promise);
  expect(s.paused).toBe(true);
  first.resolve();
  await settle();
  expect(s.paused).toBe(false);
  second.resolve();
  await settle();
  expect(budget.bytes).toBe(0);
});

test("past the overall budget every adding connection pauses; all resume once it drains", async () => {
  const budget = new PendingBudget({ bytesPerConnection: 1000, bytes: 100, operationsPerConnection: 10 });
  const a = socket();
  const b = socket();
  const big = deferred();
  budget.connection(a).hold(150, () => big.promise);
  budget.connection(b).hold(1, async () => undefined);
  expect(a.paused && b.paused).toBe(true);
  big.resolve();
  await settle();
  expect(a.paused || b.paused).toBe(false);
});

test("too many waiting requests on one connection: the next is refused, not run", async () => {
  const budget = new PendingBudget({ bytesPerConnection: 1000, bytes: 1000, operationsPerConnection: 2 });
  const c = budget.connection(socket());
  const wait = deferred();
  let runs = 0;
  const run = () => (runs++, wait.promise);
  expect(c.hold(1, run)).not.toBeNull();
  expect(c.hold(1, run)).not.toBeNull();
  expect(c.hold(1, run)).toBeNull();
  expect(runs).toBe(2);
  wait.resolve();
  await settle();
  expect(c.hold(1, run)).not.toBeNull();
});
