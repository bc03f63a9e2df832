import { expect, test } from "bun:test";
import { AbortLine, fetchSignal } from "../../../src/upstream/abort-line.ts";

test("a line aborts once: its waiters hear it once, with the first reason", () => {
  const line = new AbortLine();
  const heard: unknown[] = [];
  const a = () => heard.push(["a", line.reason]);
  const b = () => heard.push(["b", line.reason]);
  line.addEventListener("abort", a);
  line.addEventListener("abort", b);
  line.removeEventListener("abort", b);
  line.abort("first");
  line.abort("second");
  expect(heard).toEqual([["a", "first"]]);
  expect(line.aborted).toBe(true);
  expect(() => line.throwIfAborted()).toThrow();
  // As an AbortSignal: a listener added after the abort never runs.
  line.addEventListener("abort", b);
  expect(heard).toHaveLength(1);
});

test("without a reason a line aborts with an AbortError, as a controller does", () => {
  const line = new AbortLine();
  line.abort();
  expect((line.reason as DOMException).name).toBe("AbortError");
});

test("the signal made for Bun's fetch follows the line, before and after its abort", () => {
  const before = new AbortLine();
  const signal = fetchSignal(before)!;
  expect(signal.aborted).toBe(false);
  before.abort(new Error("timeout"));
  expect(signal.aborted).toBe(true);
  expect((signal.reason as Error).message).toBe("timeout");
  const after = new AbortLine();
  after.abort("gone");
  expect(fetchSignal(after)!.reason).toBe("gone");
  const plain = new AbortController().signal;
  expect(fetchSignal(plain)).toBe(plain);
});
