import { describe, expect, test } from "bun:test";
import { Frames } from "../../../src/relay/frames.ts";
import type { SseEvent } from "../../../src/protocol/sse.ts";

const enc = new TextEncoder();

/** The bytes in pieces of `size` (1 = every byte boundary), as a body stream. */
function body(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(ctl) {
      if (i >= bytes.length) return ctl.close();
      ctl.enqueue(bytes.slice(i, i + size));
      i += size;
    },
  });
}

async function frame(text: string | Uint8Array, size: number): Promise<{ events: SseEvent[]; bytes: string }> {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  const frames = new Frames(body(bytes, size));
  const events: SseEvent[] = [];
  let out = "";
  for (let b = await frames.read(); b; b = await frames.read()) {
    events.push(...b.events);
    out += new TextDecoder().decode(b.bytes);
  }
  return { events, bytes: out };
}

const payloads = (evs: SseEvent[]) => evs.map((e) => [e.event ?? null, e.data]);

describe("Frames: one framing for every stream", () => {
  const expected = [
    [null, '{"a":1}'],
    ["named", "line one\nline two"],
    [null, "[DONE]"],
  ];
  const streams: Record<string, string> = {
    LF: 'data: {"a":1}\n\n: a comment\n\nevent: named\ndata: line one\ndata: line two\n\ndata: [DONE]\n\n',
    CRLF: 'data: {"a":1}\r\n\r\n: a comment\r\n\r\nevent: named\r\ndata: line one\r\ndata: line two\r\n\r\ndata: [DONE]\r\n\r\n',
    CR: 'data: {"a":1}\r\r: a comment\r\revent: named\rdata: line one\rdata: line two\r\rdata: [DONE]\r\r',
    mixed: 'data: {"a":1}\n\r\n: a comment\r\n\nevent: named\rdata: line one\ndata: line two\r\n\ndata: [DONE]\n\r',
  };
  for (const [name, text] of Object.entries(streams)) {
    for (const size of [1, 2, 3, 7, 1000]) {
      test(`${name} line endings, split every ${size} byte(s): same events, bytes passed on untouched`, async () => {
        const got = await frame(text, size);
        expect(payloads(got.events)).toEqual(expected);
        expect(got.bytes).toBe(text);
      });
    }
  }

  test("a UTF-8 byte-order mark at the start is not part of the first field", async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('data: {"a":1}\n\n')]);
    for (const size of [1, 2, 100]) expect(payloads((await frame(bom, size)).events)).toEqual([[null, '{"a":1}']]);
  });

  test("multi-byte characters split across reads survive", async () => {
    const got = await frame('data: {"t":"héllo wörld ✓"}\n\n', 1);
    expect(got.events[0].data).toBe('{"t":"héllo wörld ✓"}');
  });

  test("a last event whose blank line never came still counts, whatever its line ending", async () => {
    for (const end of ["\n", "\r\n", "\r"]) {
      const got = await frame(`data: one\n\ndata: two${end}`, 3);
      expect(payloads(got.events)).toEqual([
        [null, "one"],
        [null, "two"],
      ]);
    }
  });

  test("a stream cut in the middle of an event is an error, never half an event", async () => {
    const frames = new Frames(body(enc.encode("data: one\n\ndata: tw"), 4));
    expect((await frames.read())?.events.map((e) => e.data)).toEqual(["one"]);
    await expect(frames.read()).rejects.toThrow(/middle of an event/);
  });

  test("one huge event across many reads comes out whole, exactly once", async () => {
    const data = "y".repeat(8 * 1024 * 1024);
    const text = `data: small\n\ndata: ${data}\r\n\r\ndata: after\n\n`;
    const got = await frame(text, 64 * 1024);
    expect(got.events.map((e) => e.data.length)).toEqual([5, data.length, 5]);
    expect(got.bytes.length).toBe(text.length);
  });
});

describe("firstEventEnd: the first blank line, by the same rules as lastEventEnd", () => {
  const { firstEventEnd, lastEventEnd } = require("../../../src/protocol/sse-boundary.ts") as typeof import("../../../src/protocol/sse-boundary.ts");
  const at = (s: string) => firstEventEnd(enc.encode(s));
  test("every line terminator, and none", () => {
    expect(at("data: a\n\ndata: b\n\n")).toBe(9);
    expect(at("data: a\r\n\r\ndata: b\r\n\r\n")).toBe(11);
    expect(at("data: a\r\rdata: b\r\r")).toBe(9);
    expect(at("data: a\n\r\nx")).toBe(10);
    expect(at("data: a\r\n\nx")).toBe(10);
    expect(at("data: a\ndata: b\n")).toBe(-1);
    expect(at("")).toBe(-1);
  });
  test("a CR at the very end may still become a CRLF: nothing ends there yet", () => {
    expect(at("data: a\r")).toBe(-1);
    expect(at("data: a\r\n\r")).toBe(-1);
  });
  test("with one event, first and last agree", () => {
    for (const s of ["data: x\n\n", "data: x\r\n\r\n", "data: x\r\r", "a\nb\n\n"])
      expect(firstEventEnd(enc.encode(s))).toBe(lastEventEnd(enc.encode(s)));
  });
});

test("Frames: every batch ends on an event boundary and nothing is lost, whatever the reads cut", async () => {
  const text = Array.from({ length: 60 }, (_, i) => `data: {"i":${i},"pad":"${"x".repeat(i % 7)}"}\n\n`).join("");
  for (const size of [1, 2, 3, 5, 7, 13, 64, 1000]) {
    const frames = new Frames(body(enc.encode(text), size));
    let out = "";
    for (let b = await frames.read(); b; b = await frames.read()) {
      const s = new TextDecoder().decode(b.bytes);
      expect(s.endsWith("\n\n")).toBe(true);
      out += s;
    }
    expect(out).toBe(text);
  }
});
