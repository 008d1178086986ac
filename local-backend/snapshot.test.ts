/** Convex's snapshot JSON and ZIP, read and written directly; a ZIP made by another writer (Python's zipfile) and a Convex-style layout read back. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { exportJson, parseExportJson } from "./snapshotJson";
import { ZipReader, ZipWriter } from "./zip";
import { readSnapshot } from "./snapshot";
import { encodeId } from "./ids";

const tmp = () => mkdtempSync(path.join(tmpdir(), "snapshot-"));

test("ConvexExportJSON: int64 bare, float64 always with a point, special values, and back", () => {
  expect(exportJson({ a: 5n, b: 5, c: -0, d: 1.5, e: 1e21, f: "x", g: null, h: true, i: [1n, 2] })).toBe(
    '{"a":5,"b":5.0,"c":-0.0,"d":1.5,"e":1e+21,"f":"x","g":null,"h":true,"i":[1,2.0]}',
  );
  expect(exportJson(Number.POSITIVE_INFINITY)).toBe('{"$float":"AAAAAAAA8H8="}');
  expect(exportJson(new Uint8Array([1, 2, 3]).buffer)).toBe('{"$bytes":"AQID"}');
  const value = {
    n: 7n,
    f: 7,
    neg: -0,
    big: 12345678901234567n,
    nan: Number.NaN,
    bytes: new Uint8Array([9]).buffer,
    nested: [{ s: 'é\n"' }],
  };
  const back = parseExportJson(exportJson(value)) as typeof value;
  expect(back.n).toBe(7n);
  expect(back.f).toBe(7);
  expect(Object.is(back.neg, -0)).toBe(true);
  expect(back.big).toBe(12345678901234567n);
  expect(back.nan).toBeNaN();
  expect(new Uint8Array(back.bytes)).toEqual(new Uint8Array([9]));
  expect(back.nested).toEqual([{ s: 'é\n"' }]);
  // What Convex writes: `{"$integer": base64}` inside clean JSON, too.
  expect(parseExportJson('{"x":{"$integer":"AQAAAAAAAAA="}}')).toEqual({ x: 1n });
  expect(() => parseExportJson('{"a":1} trailing')).toThrow();
  expect(() => parseExportJson("[".repeat(100))).toThrow();
});

test("the ZIP writer's output is read by another reader and by ours; entries from another writer are read here", () => {
  const dir = tmp();
  const file = path.join(dir, "a.zip");
  const big = Buffer.alloc(300_000, 7);
  writeFileSync(path.join(dir, "big.bin"), big);
  const zip = new ZipWriter(file);
  zip.add("README.md", "hello");
  zip.add("t/documents.jsonl", '{"a":1}\n');
  return zip.addFile("_storage/x.bin", path.join(dir, "big.bin")).then(() => {
    zip.close();
    // Python's zipfile checks CRCs and sizes as it reads.
    const listed = execFileSync("python3", [
      "-c",
      "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(','.join(f'{i.filename}:{i.file_size}' for i in z.infolist()))",
      file,
    ])
      .toString()
      .trim();
    expect(listed).toBe("README.md:5,t/documents.jsonl:8,_storage/x.bin:300000");
    const reader = new ZipReader(file);
    expect(reader.read(reader.entries[2])).toEqual(big);
    reader.close();
    const foreign = path.join(dir, "b.zip");
    execFileSync("python3", [
      "-c",
      "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\nz.writestr('x/documents.jsonl','{\"k\":2}\\n'*1000)\nz.writestr('s/_storage/f','raw',zipfile.ZIP_STORED)\nz.close()",
      foreign,
    ]);
    const other = new ZipReader(foreign);
    expect(other.read(other.entries[0]).toString()).toBe('{"k":2}\n'.repeat(1000));
    expect(other.read(other.entries[1]).toString()).toBe("raw");
    other.close();
  });
});

test("a snapshot laid out as Convex lays it out: tables by number, components under _components/, storage metadata and files", () => {
  const dir = tmp();
  const file = path.join(dir, "convex.zip");
  const userId = encodeId(10_005, new Uint8Array(16).fill(3));
  const fileId = encodeId(540, new Uint8Array(16).fill(4));
  const limitId = encodeId(10_001, new Uint8Array(16).fill(5));
  const zip = new ZipWriter(file);
  zip.add("_tables/documents.jsonl", '{"name":"users","id":10005}\n');
  zip.add("users/documents.jsonl", `{"_id":"${userId}","_creationTime":1700000000000.5,"name":"Ann","age":41,"photo":"${fileId}"}\n`);
  zip.add("users/generated_schema.jsonl", '"uniform"\n');
  zip.add(
    "_storage/documents.jsonl",
    `{"_id":"${fileId}","_creationTime":1700000000001.0,"sha256":"x","size":3,"contentType":"image/png","internalId":"abc"}\n`,
  );
  zip.add(`_storage/${fileId}.png`, "png");
  zip.add("_components/rateLimiter/_tables/documents.jsonl", '{"name":"rateLimits","id":10001}\n');
  zip.add(
    "_components/rateLimiter/rateLimits/documents.jsonl",
    `{"_id":"${limitId}","_creationTime":1700000000002.0,"name":"signIn","value":1.0}\n`,
  );
  zip.close();
  const plan = readSnapshot(file);
  plan.reader?.close();
  expect(plan.tables.get(":users")).toEqual({
    num: 10_005,
    docs: [{ _id: userId, _creationTime: 1700000000000.5, name: "Ann", age: 41n, photo: fileId }],
  });
  expect(plan.tables.get("rateLimiter:rateLimits")?.num).toBe(10_001);
  expect(plan.tables.get("rateLimiter:rateLimits")?.docs[0].value).toBe(1);
  expect(plan.tables.get(":_storage")?.docs).toEqual([
    { _id: fileId, _creationTime: 1700000000001, sha256: "x", size: 3, contentType: "image/png" },
  ]);
  expect([...plan.files.keys()]).toEqual([fileId]);
});
