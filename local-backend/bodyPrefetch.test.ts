import { PassThrough } from "node:stream";
import { expect, test } from "vitest";
import { prefetchBody } from "./bodyPrefetch";

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
