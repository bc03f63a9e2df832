import { expect, test } from "bun:test";
import { watchAbort, watchedCount } from "../../../src/upstream/abort-watch.ts";

test("an aborted signal is seen by its watch, once; a watch stopped first is never told", async () => {
  const seen: string[] = [];
  const a = new AbortController();
  const b = new AbortController();
  watchAbort(a.signal, () => seen.push("a"));
  const stopB = watchAbort(b.signal, () => seen.push("b"));
  expect(watchedCount()).toBe(2);
  stopB();
  a.abort();
  b.abort();
  for (let i = 0; i < 100 && seen.length === 0; i++) await Bun.sleep(10);
  await Bun.sleep(120); // two more sweeps: nothing is told twice
  expect(seen).toEqual(["a"]);
  expect(watchedCount()).toBe(0);
});

test("a watcher that throws does not keep the others from being told", async () => {
  const seen: number[] = [];
  const ctl = new AbortController();
  watchAbort(ctl.signal, () => {
    throw new Error("boom");
  });
  watchAbort(ctl.signal, () => seen.push(2));
  ctl.abort();
  for (let i = 0; i < 100 && seen.length === 0; i++) await Bun.sleep(10);
  expect(seen).toEqual([2]);
});
