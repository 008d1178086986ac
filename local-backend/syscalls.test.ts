/** The syscall table (syscalls.ts): each family's ops under one name each, and nothing else answered. */
import { expect, test } from "vitest";
import type { Exec } from "./exec";
import { FunctionError } from "./functionError";
import type { SyscallHost } from "./syscallContext";
import { syscalls } from "./syscalls";

/** No op below reaches the engine: an unknown op is refused before any handler runs. */
const host = {} as SyscallHost;
const exec = {} as Exec;

test.each(["constructor", "__proto__", "toString", "hasOwnProperty", "1.0/nope", ""])(
  "an op no family answers (%j) is refused as unsupported, whatever Object.prototype holds",
  async (op) => {
    const calls = syscalls(host);
    expect(() => calls.sync(exec, op, {})).toThrow(new FunctionError(`The local backend does not support syscall ${op}.`));
    await expect(calls.async(exec, op, {})).rejects.toThrow(`The local backend does not support syscall ${op}.`);
    expect(() => calls.js(exec, op, {})).toThrow(`The local backend does not support ${op}.`);
  },
);

test("a sync op is not answered as an async one, nor the other way round", async () => {
  const calls = syscalls(host);
  expect(() => calls.sync(exec, "1.0/get", {})).toThrow("does not support syscall 1.0/get");
  await expect(calls.async(exec, "1.0/queryStream", {})).rejects.toThrow("does not support syscall 1.0/queryStream");
  expect(() => calls.js(exec, "1.0/storageGetUrl", {})).toThrow("does not support 1.0/storageGetUrl");
});
