// The recorder's per-chunk fast path (the chat row's Assembler.take/learn) must record exactly
// what parsing every chunk records: the same stream recorded twice, once by the chat row and
// once by the same row with take/learn hidden, for every kind of chunk and several splits;
// both also agree with assembleChat over the parsed payloads.
import { describe, expect, test } from "bun:test";
import { recorder, type Recorded } from "../../../src/cache/record.ts";
import { PROTOCOLS } from "../../../src/protocol/apis.ts";
import { assembleChat } from "../../../src/protocol/api/chat.ts";
import type { ProtocolSpec } from "../../../src/protocol/api/spec.ts";
import { parseEvents } from "../../../src/protocol/sse.ts";
import { Batch } from "../../../src/relay/frames.ts";

const enc = new TextEncoder();
const chat = PROTOCOLS.chat;

/** The chat row, its assembler counting the chunks take() read in place. */
function counting(): { spec: ProtocolSpec; taken: () => number } {
  let taken = 0;
  const spec: ProtocolSpec = {
    ...chat,
    assembler: () => {
      const a = chat.assembler();
      const take = a.take!.bind(a);
      return { ...a, take: (text, start, end) => (take(text, start, end) ? (taken++, true) : false) };
    },
  };
  return { spec, taken: () => taken };
}

/** The chat row without the fast path: every chunk parsed and pushed. */
const generalOnly: ProtocolSpec = {
  ...chat,
  assembler: () => {
    const a = chat.assembler();
    return { push: (p) => a.push(p), finish: () => a.finish() };
  },
};

function record(spec: ProtocolSpec, batches: string[], maxBytes = Infinity): Recorded | null {
  const rec = recorder(spec, 200, maxBytes);
  for (const text of batches) rec.push(new Batch(enc.encode(text)));
  return rec.finish() as Recorded | null;
}

/** The events as batches: all in one, one each, and in threes. */
function splits(events: string[]): string[][] {
  const threes: string[] = [];
  for (let i = 0; i < events.length; i += 3) threes.push(events.slice(i, i + 3).join(""));
  return [[events.join("")], events, threes];
}

/**
 * Records the events both ways for every split, expecting them kept (or, with `kept` false,
 * both dropped); returns the fewest chunks the fast path read.
 */
function expectSame(events: string[], maxBytes = Infinity, kept = true): number {
  let fewest = Number.POSITIVE_INFINITY;
  for (const batches of splits(events)) {
    const fast = counting();
    const got = record(fast.spec, batches, maxBytes);
    expect(got).toEqual(record(generalOnly, batches, maxBytes));
    expect(got === null).toBe(!kept);
    if (got) {
      const payloads = parseEvents(events.join(""))
        .map((e) => e.data)
        .filter((d) => d.trim() !== "[DONE]")
        .map((d) => JSON.parse(d));
      expect(got.final).toEqual(assembleChat(payloads));
    }
    fewest = Math.min(fewest, fast.taken());
  }
  return fewest;
}

const data = (json: unknown) => `data: ${typeof json === "string" ? json : JSON.stringify(json)}\n\n`;
const envelope = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1700000000, model: "m" };
const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null, extra: Record<string, unknown> = {}) =>
  data({ ...envelope, ...extra, choices: [{ index: 0, delta, finish_reason }] });
const texts = (pieces: string[], extra: Record<string, unknown> = {}) => pieces.map((content) => chunk({ content }, null, extra));
const usage = data({ ...envelope, choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } });
const DONE = "data: [DONE]\n\n";
const start = chunk({ role: "assistant", content: "" });
const stop = chunk({}, "stop");

describe("recorder: the fast path records what parsing every chunk records", () => {
  test("a plain answer: every text chunk after the first is read in place", () => {
    const pieces = Array.from({ length: 600 }, (_, i) => `tok${i} `);
    expect(expectSame([start, ...texts(pieces), stop, usage, DONE])).toBe(pieces.length - 1);
  });

  test("escapes, emoji, multi-byte text and the probe's own text", () => {
    const pieces = ["a", 'say "hi"', "line\nbreak", "tab\there", "back\\slash", "é", "😀 emoji", "\u2028", "wayfront-probe", "</s>", "b"];
    const taken = expectSame([start, ...texts([...pieces, ...pieces, ...pieces]), stop, DONE]);
    expect(taken).toBeGreaterThan(20);
  });

  test("pieces long enough to span many KiB each", () => {
    const pieces = Array.from({ length: 40 }, (_, i) => `${i}`.repeat(3000));
    expect(expectSame([start, ...texts(pieces), stop, DONE])).toBe(pieces.length - 1);
  });

  test("chunks that are more than text: reasoning, refusal, tool calls, logprobs, two choices", () => {
    const lp = (token: string) => ({ content: [{ token, logprob: -0.1, bytes: null, top_logprobs: [] }] });
    const two = (a: string, b: string) =>
      data({
        ...envelope,
        choices: [
          { index: 0, delta: { content: a }, finish_reason: null },
          { index: 1, delta: { content: b }, finish_reason: null },
        ],
      });
    const events = [
      start,
      chunk({ reasoning_content: "think" }),
      chunk({ reasoning_content: "ing" }),
      chunk({ reasoning: "other " }),
      chunk({ reasoning: "field" }),
      ...texts(["a", "b", "c"]),
      // The same logprobs bytes three times: a chunk with logprobs is never learnt, so none is dropped.
      data({ ...envelope, choices: [{ index: 0, delta: { content: "x" }, logprobs: lp("tok"), finish_reason: null }] }),
      data({ ...envelope, choices: [{ index: 0, delta: { content: "x" }, logprobs: lp("tok"), finish_reason: null }] }),
      data({ ...envelope, choices: [{ index: 0, delta: { content: "x" }, logprobs: lp("tok"), finish_reason: null }] }),
      // Nor a chunk of two choices: each of the three adds to both.
      two("left", "right"),
      two("left", "right"),
      two("left", "right"),
      chunk({ refusal: "no" }),
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
      ...texts(["d", "e", "f"]),
      chunk({}, "tool_calls"),
      data({ ...envelope, choices: [{ index: 1, delta: {}, finish_reason: "stop" }] }),
      usage,
      DONE,
    ];
    expect(expectSame(events)).toBeGreaterThan(0);
  });

  test("a shape that changes, and a system_fingerprint that moves between shapes", () => {
    const events = [
      start,
      ...texts(["a", "b", "c"], { system_fingerprint: "fp_1" }),
      ...texts(["d", "e"], { system_fingerprint: "fp_2", id: "chatcmpl-2" }),
      ...texts(["f", "g", "h"], { system_fingerprint: "fp_1" }),
      ...texts(["i", "j"], { id: "chatcmpl-3", created: 1700000001 }),
      stop,
      DONE,
    ];
    expect(expectSame(events)).toBeGreaterThan(0);
  });

  test("a chunk that is not text and sets another system_fingerprint, between text chunks of one shape", () => {
    const events = [
      start,
      ...texts(["a", "b", "c"], { system_fingerprint: "fp_1" }),
      chunk({ reasoning_content: "r" }, null, { system_fingerprint: "fp_2" }),
      ...texts(["d", "e"], { system_fingerprint: "fp_1" }),
      stop,
      DONE,
    ];
    // b, c, d and e read in place; d and e must still set fp_1 back, as their parse would.
    expect(expectSame(events)).toBe(4);
  });

  test("text taken and not yet merged is in the answer the assembler finishes", () => {
    const a = chat.assembler();
    const [first, second] = texts(["one ", "two"]).map((e) => parseEvents(e)[0]!.data);
    a.push(JSON.parse(first!));
    a.learn!(first!, JSON.parse(first!));
    expect(a.take!(second!, 0, second!.length)).toBe(true);
    expect(a.finish()).toMatchObject({ choices: [{ index: 0, message: { content: "one two" } }] });
  });

  test("whitespace-formatted JSON (Python's json.dumps) and role on every chunk", () => {
    const spaced = (c: string) =>
      `data: {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ${JSON.stringify(c)}}, "finish_reason": null}]}\n\n`;
    const events = [
      start,
      ...["a", "b", "c d", "e"].map(spaced),
      `data: {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n`,
      DONE,
    ];
    expect(expectSame(events)).toBe(3);
  });

  test("an answer that grows past the entry limit in the fast path is dropped all the same", () => {
    const pieces = Array.from({ length: 200 }, () => "x".repeat(100));
    const events = [start, ...texts(pieces), stop, DONE];
    expectSame(events, 5_000, false);
    // Under the limit, the same stream is kept.
    expect(record(counting().spec, [events.join("")], 1_000_000)).not.toBeNull();
  });

  test("an error chunk shaped like the text chunks is never taken as text", () => {
    const events = [
      start,
      ...texts(["a", "b"]),
      data({ ...envelope, error: { message: "boom" }, choices: [{ index: 0, delta: { content: "c" }, finish_reason: null }] }),
      stop,
      DONE,
    ];
    expectSame(events, Infinity, false);
  });
});
