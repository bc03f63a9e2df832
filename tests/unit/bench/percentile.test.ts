import { describe, expect, test } from "bun:test";
import { percentile, summarize } from "../../../bench/percentile.ts";

describe("percentile", () => {
  test("nearest rank over sorted samples", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
  });

  test("empty input is NaN, not a number that looks measured", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([]).mean).toBeNaN();
  });

  test("summarize sorts a copy and leaves the input alone", () => {
    const samples = [5, 1, 3, 2, 4];
    const s = summarize(samples);
    expect(s).toEqual({ n: 5, p50: 3, p99: 5, mean: 3 });
    expect(samples).toEqual([5, 1, 3, 2, 4]);
  });
});
