import { act, renderHook } from "@testing-library/react";
import { expect, test } from "vitest";
import { useSingleFlight } from "./useSingleFlight";

test("a second call while the first runs does nothing; once it ends, the next runs", async () => {
  const { result } = renderHook(() => useSingleFlight());
  let finish: (value: string) => void = () => undefined;
  let runs = 0;
  const work = () => {
    runs++;
    return new Promise<string>((resolve) => (finish = resolve));
  };
  let first: Promise<string | undefined> = Promise.resolve(undefined);
  let second: Promise<string | undefined> = Promise.resolve(undefined);
  act(() => {
    first = result.current[1](work);
    second = result.current[1](work);
  });
  expect(result.current[0]).toBe(true);
  expect(await second).toBeUndefined();
  await act(async () => finish("done"));
  expect(await first).toBe("done");
  expect(result.current[0]).toBe(false);
  expect(runs).toBe(1);
  // A failure frees it too.
  await act(async () => {
    await expect(result.current[1](() => Promise.reject(new Error("no")))).rejects.toThrow("no");
  });
  let third: Promise<string | undefined> = Promise.resolve(undefined);
  act(() => {
    third = result.current[1](work);
  });
  await act(async () => finish("again"));
  expect(await third).toBe("again");
  expect(runs).toBe(2);
});
