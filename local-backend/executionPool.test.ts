/** The pool's leases across a reload (drain) and a shutdown (close): none is left waiting forever. */
import { afterEach, expect, test } from "vitest";
import { ExecutionPool, type PoolHost } from "./executionPool";

const host: PoolHost<unknown> = {
  sync: () => "null",
  async: async () => "null",
  js: async () => "null",
  log: () => undefined,
  env: () => undefined,
  envVersion: () => null,
};

const pools: Array<ExecutionPool<unknown>> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function onePool() {
  const pool = new ExecutionPool<unknown>("isolate", [], 1, host);
  pools.push(pool);
  return pool;
}

test("a lease waiting when the functions are reloaded gets the worker its turn comes to (it ran forever before)", async () => {
  const pool = onePool();
  const busy = await pool.lease();
  let waited: unknown = "still waiting";
  const waiting = pool.lease().then((worker) => (waited = worker));
  pool.drain();
  pool.release(busy);
  await waiting;
  expect(waited).toBe(busy);
  pool.release(busy); // nobody waits any more: the drained pool's worker stops
  await expect(pool.lease({ mutation: false }).then(() => "served")).resolves.toBe("served");
}, 30_000);

test("a mutation waiting behind the mutation limit when the functions are reloaded is served too", async () => {
  const pool = new ExecutionPool<unknown>("isolate", [], 2, host);
  pools.push(pool);
  const first = await pool.lease({ mutation: true }); // the limit is size − 1 = 1
  const second = pool.lease({ mutation: true });
  pool.drain();
  pool.release(first);
  await expect(second).resolves.toBeDefined();
}, 30_000);

test("leases waiting at shutdown are refused with the reason instead of waiting forever", async () => {
  const pool = onePool();
  await pool.lease();
  const refused = expect(pool.lease()).rejects.toThrow("The backend is shutting down.");
  await pool.close();
  await refused;
  await expect(pool.lease()).rejects.toThrow("The backend is shutting down.");
}, 30_000);
