// Byte searches over SSE batches: the batches are plain Uint8Arrays (often views into a
// larger read), searched natively without a Buffer made for each search.
import { describe, expect, test } from "bun:test";
import { hasStringField, includesAscii, indexOfAscii } from "../../../src/protocol/bytes.ts";

const enc = new TextEncoder();

describe("indexOfAscii / includesAscii", () => {
  test("a plain Uint8Array, from an offset, and not found", () => {
    const b = enc.encode('data: {"usage":1,"usage2":2}\n\n');
    expect(indexOfAscii(b, '"usage"')).toBe(7);
    expect(indexOfAscii(b, '"usage', 8)).toBe(17);
    expect(indexOfAscii(b, "[DONE]")).toBe(-1);
    expect(includesAscii(b, "usage2")).toBe(true);
  });

  test("a view into a larger read: positions are the view's, and nothing outside it is seen", () => {
    const read = enc.encode('xxxx"usage" in the middle, "tail" at the end');
    const mid = read.subarray(4, 20);
    expect(indexOfAscii(mid, '"usage"')).toBe(0);
    expect(includesAscii(mid, "tail")).toBe(false); // after the view's end
    expect(includesAscii(read.subarray(10), "usage")).toBe(false); // before its start
    expect(indexOfAscii(read.subarray(27), "tail")).toBe(1);
  });

  test("a Buffer works the same", () => {
    expect(indexOfAscii(Buffer.from("ab[DONE]"), "[DONE]")).toBe(2);
  });
});

describe("hasStringField", () => {
  test("a field set to a string, with or without spaces; not null, not a key inside a string", () => {
    expect(hasStringField(enc.encode('{"finish_reason":"stop"}'), "finish_reason")).toBe(true);
    expect(hasStringField(enc.encode('{"finish_reason" :  "length"}'), "finish_reason")).toBe(true);
    expect(hasStringField(enc.encode('{"finish_reason":null}'), "finish_reason")).toBe(false);
    expect(hasStringField(enc.encode('{"content":"say \\"finish_reason\\": \\"stop\\""}'), "finish_reason")).toBe(false);
    // The first occurrence is null, a later one is set: found.
    expect(hasStringField(enc.encode('{"finish_reason":null}\n\n{"finish_reason":"stop"}'), "finish_reason")).toBe(true);
  });
});
