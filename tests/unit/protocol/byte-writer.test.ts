// ByteWriter (protocol/byte-writer.ts): what it writes is what TextEncoder and JSON.stringify
// give, however the pieces come and however large the batch grows.
import { describe, expect, test } from "bun:test";
import { ByteWriter } from "../../../src/protocol/byte-writer.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("ByteWriter", () => {
  test("numbers, bytes and text in order, as their UTF-8", () => {
    const w = new ByteWriter();
    for (const n of [0, 7, 9, 10, 99, 100, 12345, 2 ** 31 - 1, 9_007_199_254_740_991]) {
      w.digits(n);
      w.bytes(enc.encode(","));
    }
    w.text("é日😀\ud800!");
    expect(dec.decode(w.take())).toBe(`0,7,9,10,99,100,12345,${2 ** 31 - 1},9007199254740991,é日😀\ufffd!`);
  });

  test("JSON strings: plain ones between quotes, the rest as JSON.stringify writes them, non-ASCII anywhere", () => {
    const plain = ["", "a", "x".repeat(31), "x".repeat(32), "x".repeat(33), "é", `${"x".repeat(40)}é`, `é${"x".repeat(40)}`, "日本語 text", "😀"];
    const escaped = ['say "hi"', "C:\\path", "two\nlines", "\u0001", "\u2028", "\ud800"];
    for (const s of plain) {
      const w = new ByteWriter();
      w.jsonString(s, true);
      expect(dec.decode(w.take())).toBe(JSON.stringify(s));
    }
    for (const s of escaped) {
      const w = new ByteWriter();
      w.jsonString(s, false);
      expect(dec.decode(w.take())).toBe(JSON.stringify(s));
    }
  });

  test("grows past its first buffer with nothing lost, and starts empty again after take()", () => {
    const w = new ByteWriter();
    const piece = enc.encode("0123456789abcdef");
    let expected = "";
    for (let i = 0; i < 20_000; i++) {
      w.bytes(piece);
      w.jsonString(`é${i}`, true);
      expected += `0123456789abcdef"é${i}"`;
    }
    expect(w.length).toBe(enc.encode(expected).length);
    const first = w.take();
    expect(dec.decode(first)).toBe(expected);
    expect(w.length).toBe(0);
    w.text("next");
    expect(dec.decode(w.take())).toBe("next");
    expect(dec.decode(first)).toBe(expected); // a taken array is its own: later writes leave it alone
    w.text("gone");
    w.reset();
    expect(w.take().length).toBe(0);
  });
});
