/** streamTurns: bulk streams go on a few per iteration of the event loop, in the order they asked. */
import { expect, test } from "vitest";
import { nextTurn, STREAMS_PER_TURN, waitingStreams } from "./streamTurns";

const nextIteration = () => new Promise<void>((resolve) => setImmediate(resolve));

test("at most STREAMS_PER_TURN streams resume per iteration, first come first served, the rest in later iterations", async () => {
  const resumed: number[] = [];
  const count = STREAMS_PER_TURN * 3 + 1;
  const all = Array.from({ length: count }, (_, i) => nextTurn().then(() => resumed.push(i)));
  expect(resumed).toEqual([]);
  await nextIteration();
  expect(resumed).toEqual(Array.from({ length: STREAMS_PER_TURN }, (_, i) => i));
  expect(waitingStreams()).toBe(count - STREAMS_PER_TURN);
  await nextIteration();
  expect(resumed).toHaveLength(2 * STREAMS_PER_TURN);
  await Promise.all(all);
  expect(resumed).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(waitingStreams()).toBe(0);
});

test("a stream asking again while its turn runs waits for a later iteration, behind those already waiting", async () => {
  const order: string[] = [];
  const first = nextTurn().then(async () => {
    order.push("a1");
    await nextTurn();
    order.push("a2");
  });
  const others = Array.from({ length: STREAMS_PER_TURN }, (_, i) => nextTurn().then(() => order.push(`b${i}`)));
  await Promise.all([first, ...others]);
  expect(order.indexOf("a2")).toBe(order.length - 1);
});
