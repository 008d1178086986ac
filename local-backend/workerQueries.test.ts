/** workerQueries: a first()/unique() stream read whole in one message, its rows handed over in the worker. */
import { expect, test } from "vitest";
import { WorkerQueries } from "./workerQueries";

function setup(reply: string) {
  const asked: Array<[string, string]> = [];
  const queries = new WorkerQueries(
    (op, args) => {
      asked.push([op, args]);
      return reply;
    },
    (error) => Object.assign(new Error(error.message), { data: error.data }),
  );
  return { asked, queries };
}

test("a stream read whole costs one message: its rows, then done, then a cleanup, all answered in the worker", async () => {
  const { asked, queries } = setup(JSON.stringify({ queryId: 7, rows: ['{"_id":"a","n":1}'] }));
  const query = '{"query":{"source":{"type":"IndexRange"}}}';
  expect(queries.syscall("1.0/queryStream", query)).toBe('{"queryId":7}');
  expect(asked).toEqual([["local/queryStreamRead", query]]);
  expect(await queries.asyncSyscall("1.0/queryStreamNext", '{"queryId":7}')).toBe('{"value":{"_id":"a","n":1},"done":false}');
  expect(await queries.asyncSyscall("1.0/queryStreamNext", '{"queryId":7}')).toBe('{"value":null,"done":true}');
  expect(queries.syscall("1.0/queryCleanup", '{"queryId":7}')).toBe("{}");
  expect(queries.open).toBe(0);
  expect(asked).toHaveLength(1);
  // Another stream's calls still go to the main thread.
  expect(queries.asyncSyscall("1.0/queryStreamNext", '{"queryId":7}')).toBeNull();
  expect(queries.syscall("1.0/queryCleanup", '{"queryId":7}')).toBeNull();
});

test("a stream the main thread keeps open is read from the main thread", () => {
  const { queries } = setup('{"queryId":3}');
  expect(queries.syscall("1.0/queryStream", "{}")).toBe('{"queryId":3}');
  expect(queries.asyncSyscall("1.0/queryStreamNext", '{"queryId":3}')).toBeNull();
  expect(queries.syscall("1.0/queryCleanup", '{"queryId":3}')).toBeNull();
  expect(queries.syscall("1.0/get", "{}")).toBeNull();
});

test("a limit broken while the stream was read fails the next after the rows read, with the main thread's error", async () => {
  const error = { message: "Too many bytes read in a single function execution", data: { limit: 1 } };
  const { queries } = setup(JSON.stringify({ queryId: 9, rows: ['{"_id":"b"}'], error }));
  queries.syscall("1.0/queryStream", "{}");
  expect(await queries.asyncSyscall("1.0/queryStreamNext", '{"queryId":9}')).toBe('{"value":{"_id":"b"},"done":false}');
  await expect(queries.asyncSyscall("1.0/queryStreamNext", '{"queryId":9}')).rejects.toMatchObject({
    message: error.message,
    data: error.data,
  });
  expect(queries.open).toBe(0);
});

test("streams left without a cleanup are forgotten", () => {
  const { queries } = setup(JSON.stringify({ queryId: 1, rows: [] }));
  queries.syscall("1.0/queryStream", "{}");
  expect(queries.open).toBe(1);
  queries.clear();
  expect(queries.open).toBe(0);
});
