import { expect, test } from "bun:test";
import { exceedsJsonDepth } from "../../../src/protocol/json-depth.ts";

const nested = (n: number) => "[".repeat(n) + "]".repeat(n);

test("counts arrays and objects alike; the limit itself is allowed", () => {
  expect(exceedsJsonDepth(nested(10), 10)).toBe(false);
  expect(exceedsJsonDepth(nested(11), 10)).toBe(true);
  const objects = '{"a":'.repeat(11) + "1" + "}".repeat(11);
  expect(exceedsJsonDepth(objects, 10)).toBe(true);
  expect(exceedsJsonDepth(objects, 11)).toBe(false);
  // Siblings do not add up: depth is how far down, not how many.
  expect(exceedsJsonDepth(JSON.stringify(Array.from({ length: 100 }, () => [[1]])), 3)).toBe(false);
});

test("brackets inside strings do not count, escaped quotes do not end a string", () => {
  const text = JSON.stringify({ a: "[[[[[[[[[[{{{{{{{{{{", b: 'say \\"[[[[[[[[[[\\" and \\\\', c: ['"[[[[[[[[[['] });
  expect(exceedsJsonDepth(text, 2)).toBe(false);
  // A string ending in a backslash pair closes where it should: the brackets after it count.
  const after = `{"a":"x\\\\",${"[".repeat(5)}${"]".repeat(5)}}`;
  expect(exceedsJsonDepth(`{"k":${after}}`, 5)).toBe(true);
});

test("50,000 levels are found without recursion, quickly", () => {
  const t0 = performance.now();
  expect(exceedsJsonDepth(nested(50_000), 512)).toBe(true);
  expect(exceedsJsonDepth(`{"model":"m","input":${"[".repeat(50_000)}`, 512)).toBe(true); // cut off, still too deep
  expect(performance.now() - t0).toBeLessThan(1000);
});

test("text shorter than the limit and malformed text are left to JSON.parse", () => {
  expect(exceedsJsonDepth("[[[", 3)).toBe(false);
  expect(exceedsJsonDepth('{"a":"unterminated [[[[[[[[', 2)).toBe(false);
  expect(exceedsJsonDepth("]]]]]]]]]]", 2)).toBe(false);
});
