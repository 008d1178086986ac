/** workerEnv: process.env values kept in a worker while the environment's version stays the same. */
import { expect, test } from "vitest";
import { WorkerEnv } from "./workerEnv";

test("a variable read again at the same version costs no second ask; a new version asks again", () => {
  const env = new WorkerEnv();
  const asked: string[] = [];
  let value: string | undefined = "one";
  const read = (name: string) =>
    env.read(name, () => {
      asked.push(name);
      return value;
    });
  env.at(3);
  expect(read("SITE_URL")).toBe("one");
  expect(read("SITE_URL")).toBe("one");
  expect(read("MISSING")).toBe("one");
  expect(asked).toEqual(["SITE_URL", "MISSING"]);
  value = undefined;
  env.at(3);
  expect(read("SITE_URL")).toBe("one");
  env.at(4);
  expect(read("SITE_URL")).toBeUndefined();
  expect(read("SITE_URL")).toBeUndefined();
  expect(asked).toEqual(["SITE_URL", "MISSING", "SITE_URL"]);
});

test("without a version every read asks", () => {
  const env = new WorkerEnv();
  let asks = 0;
  env.at(null);
  env.read("A", () => String(++asks));
  env.read("A", () => String(++asks));
  expect(asks).toBe(2);
});
