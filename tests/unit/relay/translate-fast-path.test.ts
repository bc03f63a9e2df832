// The translator's per-chunk fast path (protocol/translate/delta-chunks.ts, deltaFrame) must
// give the client exactly the bytes the general path gives: the same stream through the
// stage twice, once with a translator that offers the fast path and once with the same
// translator hidden behind one that does not, for every kind of chunk and every split; and
// both what the stage sent before either existed (each event parsed, pushed, serialized).
import { describe, expect, test } from "bun:test";
import type { StreamTranslator } from "../../../src/protocol/apis.ts";
import type { ChatChunk } from "../../../src/protocol/chat.ts";
import { parseEvents } from "../../../src/protocol/sse.ts";
import { ByteWriter } from "../../../src/protocol/byte-writer.ts";
import { DeltaChunkShape, type DeltaFrame, writeDeltaBody } from "../../../src/protocol/translate/delta-chunks.ts";
import { ChatToResponsesStream, serializeEvent } from "../../../src/protocol/translate/stream.ts";
import { ChatToMessagesStream } from "../../../src/protocol/translate/messages-stream.ts";
import { Batch } from "../../../src/relay/frames.ts";
import { streamInterrupted } from "../../../src/relay/heartbeat.ts";
import { translateStage } from "../../../src/relay/translate.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function responsesTranslator(): ChatToResponsesStream {
  let n = 0;
  return new ChatToResponsesStream({ model: "m", toolNames: {}, createdAt: 1700000000, responseId: "resp_1", newId: (p) => `${p}_${++n}` });
}

function messagesTranslator(): ChatToMessagesStream {
  let n = 0;
  return new ChatToMessagesStream({ model: "m", toolNames: {}, messageId: "msg_1", newId: (p) => `${p}_${++n}`, inputTokens: 3 });
}

/** The event a frame makes with this text, as the stage writes it (null for no frame). */
function framed(frame: DeltaFrame | null, text: string): string | null {
  if (!frame) return null;
  const w = new ByteWriter();
  w.bytes(frame.head);
  writeDeltaBody(w, frame, text, false);
  w.bytes(frame.tail);
  return dec.decode(w.take());
}

/** The same translator without deltaFrame: the stage takes the general path for every chunk. */
function generalOnly(t: StreamTranslator): StreamTranslator {
  return { start: () => t.start(), push: (c) => t.push(c), finish: () => t.finish(), fail: (e) => t.fail(e), final: () => t.final() };
}

/** Counts the chunks the fast path wrote. */
function counted<T extends ChatToResponsesStream | ChatToMessagesStream>(t: T): { t: T; fast: () => number } {
  let fast = 0;
  const deltaFrame = t.deltaFrame.bind(t);
  t.deltaFrame = (kind, text) => {
    const out = deltaFrame(kind, text);
    if (out) fast++;
    return out;
  };
  return { t, fast: () => fast };
}

/** Everything the stage sends for these batches of SSE text, one `|` per batch. */
function run(t: StreamTranslator, batches: string[]): string {
  const stage = translateStage(t, "up");
  const out: string[] = [];
  const open = stage.open?.();
  if (open) out.push(dec.decode(open.bytes));
  for (const text of batches) {
    const step = stage.push(new Batch(enc.encode(text)));
    out.push(step.out ? dec.decode(step.out.bytes) : "");
    if (step.end) return [...out, `end: ${step.end === true ? "ok" : step.end.message}`].join("|");
  }
  const close = stage.close?.();
  return [...out, close?.out ? dec.decode(close.out.bytes) : "", `close: ${close?.error?.message ?? "ok"}`].join("|");
}

/** What the stage sent before the fast path: each event parsed, pushed, and its events serialized one by one. */
function reference(batches: string[]): string {
  const t = responsesTranslator();
  const sse = (events: { type: string }[]) => events.map((ev) => serializeEvent(ev as never)).join("");
  const out = [sse(t.start())];
  let sawFinish = false;
  for (const text of batches) {
    let sent = "";
    for (const ev of parseEvents(text)) {
      if (/"finish_reason":\s*"/.test(ev.data)) sawFinish = true;
      const data = ev.data.trim();
      if (data === "[DONE]") return [...out, sent + sse(t.finish()), "end: ok"].join("|");
      let c: ChatChunk & { error?: { message?: string; code?: string } };
      try {
        c = JSON.parse(data);
      } catch {
        continue;
      }
      if (c.error) {
        const message = `Upstream \`up\` reported an error mid-stream: ${c.error.message ?? "unknown error"}`;
        return [...out, sent + sse(t.fail({ message, code: c.error.code ?? "upstream_error" })), `end: ${message}`].join("|");
      }
      if (!Array.isArray(c.choices)) c.choices = [];
      sent += sse(t.push(c));
    }
    out.push(sent);
  }
  if (sawFinish) return [...out, sse(t.finish()), "close: ok"].join("|");
  const cut = streamInterrupted("up", "no finish_reason and no [DONE]");
  return [...out, sse(t.fail({ message: cut.message, code: cut.code ?? undefined })), `close: ${cut.message}`].join("|");
}

/**
 * Asserts both paths, and what the stage sent before them, agree, for Responses and for
 * Messages, and that both assemble the same final answer; returns how many chunks took the
 * Responses fast path.
 */
function bothPaths(batches: string[]): number {
  const fast = counted(responsesTranslator());
  const sent = run(fast.t, batches);
  expect(sent).toBe(run(generalOnly(responsesTranslator()), batches));
  expect(sent).toBe(reference(batches));
  const messages = counted(messagesTranslator());
  const general = messagesTranslator();
  expect(run(messages.t, batches)).toBe(run(generalOnly(general), batches));
  expect(messages.t.final()).toEqual(general.final());
  messagesFast += messages.fast();
  return fast.fast();
}

/** Chunks the Messages fast path wrote, over every test (it must be taken, not only be right). */
let messagesFast = 0;

/** The events as batches: all in one, one each, and in pairs. */
function splits(events: string[]): string[][] {
  const pairs: string[] = [];
  for (let i = 0; i < events.length; i += 2) pairs.push(events.slice(i, i + 2).join(""));
  return [[events.join("")], events, pairs];
}

const data = (json: unknown) => `data: ${typeof json === "string" ? json : JSON.stringify(json)}\n\n`;
const envelope = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1700000000, model: "m" };
const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null, extra: Record<string, unknown> = {}) =>
  data({ ...envelope, ...extra, choices: [{ index: 0, delta, finish_reason }] });
const texts = (pieces: string[]) => pieces.map((content) => chunk({ content }));
const usage = data({ ...envelope, choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } });
const DONE = "data: [DONE]\n\n";

function expectSame(events: string[]): number {
  let fast = 0;
  for (const batches of splits(events)) fast = bothPaths(batches);
  return fast;
}

describe("translate stage: the fast path writes what the general path writes", () => {
  test("a plain answer, as fast as the upstream sends it: all but the first piece take the fast path", () => {
    const pieces = Array.from({ length: 1000 }, (_, i) => `tok${i} `);
    const fast = expectSame([chunk({ role: "assistant", content: "" }), ...texts(pieces), chunk({}, "stop"), usage, DONE]);
    expect(fast).toBe(pieces.length - 1);
    // The whole text, however it was put together (copied out every so many pieces).
    const t = responsesTranslator();
    run(t, [texts(pieces).join(""), DONE]);
    expect(t.final().output[0]).toMatchObject({ content: [{ text: pieces.join("") }] });
  });

  test("text that needs escaping or is not ASCII: quotes, backslashes, newlines, \\u escapes, accents, emoji", () => {
    const pieces = ["plain", 'say "hi"', "C:\\path", "two\nlines", "tab\there", "é", "日本語", "😀 ok", "more", "\u2028", "end"];
    const escaped =
      '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"\\u0041\\u00e9"},"finish_reason":null}]}';
    expect(expectSame([...texts(pieces), data(escaped), ...texts(["after"]), chunk({}, "stop"), DONE])).toBeGreaterThan(0);
  });

  test("pieces either side of the length the fast path checks in a loop, special characters at their ends, non-ASCII past it", () => {
    const at = (n: number, c = "") => `${"a".repeat(n - c.length)}${c}`;
    const pieces = [
      at(31),
      at(32),
      at(33),
      at(32, '"'),
      at(33, '"'),
      at(32, "\\"),
      at(40, "\n"),
      at(31, "é"),
      `${at(32)}é`,
      `${at(40)}日本`,
      `é${at(40)}`,
    ];
    expect(expectSame([...texts(["open"]), ...texts(pieces), chunk({}, "stop"), DONE])).toBeGreaterThan(pieces.length / 2);
  });

  test("runs of fast-path events broken by general-path ones and by batch ends join up the same", () => {
    const events = [
      ...texts(["a", "b"]),
      chunk({ tool_calls: [] }),
      ...texts(["c"]),
      data("not json"),
      ...texts(["d", "e"]),
      chunk({}, "stop"),
      DONE,
    ];
    expect(expectSame(events)).toBeGreaterThan(0);
  });

  test("a push that threw leaves nothing behind in another open stream's next batch", () => {
    // An extra field: not the learnt shape, so the general path (push) takes it.
    const events = [...texts(["a", "b", "c"]), chunk({ content: "boom" }, null, { odd: 1 }), ...texts(["d"])];
    const t = responsesTranslator();
    const push = t.push.bind(t);
    t.push = (c) => {
      if (c.choices[0]?.delta?.content === "boom") throw new Error("boom");
      return push(c);
    };
    const failing = translateStage(t, "up");
    const other = translateStage(responsesTranslator(), "up");
    const sent = [dec.decode(failing.open!()!.bytes), dec.decode(other.open!()!.bytes)];
    failing.push(new Batch(enc.encode(events.slice(0, 2).join(""))));
    expect(() => failing.push(new Batch(enc.encode(events.join(""))))).toThrow("boom");
    const later = [...texts(["x", "y", "z"]), chunk({}, "stop")].join("");
    sent.push(dec.decode(other.push(new Batch(enc.encode(later))).out!.bytes));
    expect(sent[1] + sent[2]).toBe(reference([later]).split("|").slice(0, 2).join(""));
  });

  test("thinking as reasoning_content, then as `reasoning` with empty content, then the answer", () => {
    const events = [
      ...["Let", " me", " think"].map((r) => chunk({ reasoning_content: r })),
      ...["still", " thinking"].map((r) => chunk({ reasoning: r, content: "" })),
      chunk({ reasoning_content: "", reasoning: "nested" }),
      ...["both", " at", " once"].map((r) => chunk({ reasoning_content: r, content: "!" })),
      ...texts(["The", " answer", " is", " 4"]),
      chunk({}, "stop"),
      DONE,
    ];
    expect(expectSame(events)).toBeGreaterThan(0);
    // Thinking with a blank the splitter holds back: the blank is part of the answer after it.
    expectSame([
      ...["a", "b", "c", "d"].map((r) => chunk({ reasoning_content: r, content: " " })),
      ...texts(["Answer", "!"]),
      chunk({}, "stop"),
      DONE,
    ]);
  });

  test("an inline <think> trace, cut across chunks, then the answer", () => {
    const fast = expectSame([
      ...texts(["  ", "<thi", "nk>", "plan", " more", "</think>", "\n\n", "Answer", " here", " and", " more"]),
      chunk({}, "stop"),
      DONE,
    ]);
    expect(fast).toBeGreaterThan(0);
  });

  test("tool calls between and after text, with empty tool_calls arrays on text chunks", () => {
    const call = (index: number, fn: Record<string, unknown>, id?: string) =>
      chunk({ tool_calls: [{ index, ...(id ? { id, type: "function" } : {}), function: fn }] });
    const events = [
      ...texts(["I will", " run it"]),
      chunk({ content: " now", tool_calls: [] }),
      call(0, { name: "exec_command", arguments: "" }, "call_1"),
      call(0, { arguments: '{"cmd":' }),
      call(0, { arguments: '"ls"}' }),
      call(1, { name: "read", arguments: '{"path":"a"}' }, "call_2"),
      chunk({}, "tool_calls"),
      usage,
      DONE,
    ];
    expectSame(events);
    // Text and a piece of the same call's arguments in every chunk: never text alone.
    const both = (content: string) => chunk({ content, tool_calls: [{ index: 0, function: { arguments: "x" } }] });
    expectSame([call(0, { name: "exec_command", arguments: "" }, "call_1"), ...["a", "b", "c", "d"].map(both), chunk({}, "tool_calls"), DONE]);
  });

  test("finish, usage and [DONE] in one read with text; text after the finish is dropped the same way", () => {
    expectSame([...texts(["a", "b", "c"]), chunk({ content: "d" }, "length"), ...texts(["late", "later"]), usage, DONE, ...texts(["after done"])]);
    expectSame([...texts(["a", "b"]), chunk({}, "content_filter"), DONE]);
  });

  test("a raw control character in the text (not JSON, so skipped) is skipped by the fast path too", () => {
    expectSame([
      ...texts(["a", "b", "c"]),
      chunk({ content: "x" }).replace('"x"', '"x\ty"'),
      chunk({ content: "x" }).replace('"x"', '"\u0001"'),
      ...texts(["d"]),
    ]);
  });

  test("chunks written differently: no space after `data:`, spaces in the JSON, trailing spaces, CRLF, comments, named events", () => {
    const spaced = (c: string) => `{"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": "${c}"}, "finish_reason": null}]}`;
    const events = [
      ...["a", "b", "c"].map((c) => `data:${JSON.stringify({ ...envelope, choices: [{ index: 0, delta: { content: c } }] })}\n\n`),
      ...["d", "e", "f"].map((c) => data(spaced(c))),
      ...texts(["g", "h"]).map((e) => e.replace("\n\n", "  \n\n")),
      ": keep-alive\n\n",
      ...texts(["i", "j"]).map((e) => e.replace("\n\n", "\r\n\r\n")),
      `event: message\n${texts(["k"])[0]}`,
      "data: not json\n\n",
      ...texts(["l", "m"]),
      chunk({}, "stop"),
      DONE,
    ];
    expectSame(events);
  });

  test("the envelope changing mid-stream (id, created, a per-chunk field): learnt again, or the general path", () => {
    const events = [
      ...texts(["a", "b", "c"]),
      ...["d", "e", "f"].map((c) => chunk({ content: c }, null, { created: 1700000001 })),
      ...["g", "h", "i", "j"].map((c, i) => chunk({ content: c }, null, { obfuscation: `pad${i}` })),
      ...["k", "l"].map((c) => chunk({ content: c }, null, { id: "chatcmpl-2" })),
      chunk({}, "stop"),
      DONE,
    ];
    expectSame(events);
  });

  test("pieces that look like the chunk around them: the model's name, the probe, a key, a finish_reason", () => {
    const pieces = ["m", "m", "wayfront-probe", "content", "finish_reason", '"finish_reason":"stop"', "chat.completion.chunk", "}", "{", "x"];
    expectSame([...texts(pieces), chunk({}, "stop"), DONE]);
  });

  test("several choices: only choice 0 is translated; a finish on another choice still counts as a finish", () => {
    const two = (c: string, finish1: string | null = null) =>
      data({
        ...envelope,
        choices: [
          { index: 1, delta: { content: "other" }, finish_reason: finish1 },
          { index: 0, delta: { content: c } },
        ],
      });
    expectSame([...texts(["a", "b"]), two("c"), two("d"), ...texts(["e", "f"]), two("g", "stop")]);
  });

  test("a stream that errors mid-way, and one cut off without a finish", () => {
    expectSame([...texts(["a", "b", "c"]), data({ error: { message: "boom", code: "overloaded" } }), ...texts(["d"])]);
    expectSame([...texts(["a", "b", "c", "d"])]);
  });

  test("random streams of every kind of chunk, split at random", () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const words = ["Hello", " world", "x", "é", "😀", 'a"b', "c\\d", "e\nf", "<think>", "</think>", "  ", "m", "wayfront-probe", "\u0001"];
    const kinds: (() => string)[] = [
      () => chunk({ content: pick(words) }),
      () => chunk({ content: pick(words) }),
      () => chunk({ content: pick(words) }),
      () => chunk({ reasoning_content: pick(words) }),
      () => chunk({ reasoning: pick(words), content: "" }),
      () => chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: pick(["exec", ""]), arguments: pick(['{"a"', ":1}", ""]) } }] }),
      () => chunk({ content: pick(words) }, null, { created: Math.floor(rnd() * 3) }),
      () => chunk({ content: pick(words) }).replace('"content":"', '"content":"\\u0041'),
      () => ": keep-alive\n\n",
    ];
    for (let round = 0; round < 200; round++) {
      const events = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => pick(kinds)());
      if (rnd() < 0.6) events.push(chunk({}, pick(["stop", "length", "tool_calls"])));
      if (rnd() < 0.5) events.push(usage);
      if (rnd() < 0.7) events.push(DONE);
      const batches: string[] = [];
      let at = 0;
      while (at < events.length) {
        const n = 1 + Math.floor(rnd() * 6);
        batches.push(events.slice(at, at + n).join(""));
        at += n;
      }
      bothPaths(batches);
    }
  });
});

describe("ChatToMessagesStream.deltaFrame", () => {
  test("the Messages fast path was taken by the streams above", () => {
    expect(messagesFast).toBeGreaterThan(1000);
  });

  test("a long answer's text is whole, however it was put together (copied out every so many pieces)", () => {
    const pieces = Array.from({ length: 1000 }, (_, i) => `tok${i} `);
    const fast = counted(messagesTranslator());
    run(fast.t, [[chunk({ content: "first " }), ...texts(pieces)].join(""), chunk({ reasoning_content: "then think" }), chunk({}, "stop"), DONE]);
    expect(fast.fast()).toBe(pieces.length);
    expect(fast.t.final().content).toEqual([
      { type: "text", text: `first ${pieces.join("")}` },
      { type: "thinking", thinking: "then think", signature: "" },
    ]);
  });

  test("leaves to push() a piece that opens a block, or comes while a tool call waits; writes nothing once over", () => {
    const t = messagesTranslator();
    t.start();
    expect(t.deltaFrame("text", "a")).toBeNull();
    t.push(JSON.parse(chunk({ content: "a" }).slice(6)) as ChatChunk);
    expect(t.deltaFrame("reasoning", "b")).toBeNull();
    expect(framed(t.deltaFrame("text", 'say "b"'), 'say "b"')).toBe(
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"say \\"b\\""}}\n\n',
    );
    t.push(JSON.parse(chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "x", arguments: '{"a"' } }] }).slice(6)) as ChatChunk);
    expect(t.deltaFrame("text", "c")).toBeNull();
    t.finish();
    expect(t.deltaFrame("text", "d")).toBeNull();
  });
});

describe("ChatToResponsesStream.deltaFrame", () => {
  test("writes nothing once the answer is over, and leaves a first piece (which opens the item) to push()", () => {
    const t = responsesTranslator();
    t.start();
    expect(t.deltaFrame("text", "a")).toBeNull();
    t.push(JSON.parse(chunk({ content: "a" }).slice(6)) as ChatChunk);
    expect(t.deltaFrame("reasoning", "b")).toBeNull();
    expect(t.deltaFrame("text", "")).toBeNull();
    expect(framed(t.deltaFrame("text", 'say "b"'), 'say "b"')).toBe(
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"say \\"b\\""}\n\n',
    );
    t.finish();
    expect(t.deltaFrame("text", "c")).toBeNull();
  });
});

describe("DeltaChunkShape", () => {
  const plain = (content: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ...envelope, ...extra, choices: [{ index: 0, delta: { content }, finish_reason: null }] });
  const learnt = (json: string) => {
    const shape = new DeltaChunkShape();
    shape.learn(json, JSON.parse(json) as ChatChunk);
    return shape;
  };
  const matches = (shape: DeltaChunkShape, json: string) => (shape.match(json, 0, json.length) ? shape.piece : null);

  test("a chunk with only the piece changed matches, and gives the piece", () => {
    const shape = learnt(plain("first"));
    expect(matches(shape, plain("second"))).toBe("second");
    expect(shape.kind).toBe("text");
    expect(matches(shape, plain("é and 😀"))).toBe("é and 😀");
  });

  test("a piece with escapes matches, read as JSON reads it, and is flagged as needing them again", () => {
    const shape = learnt(plain("first"));
    for (const piece of ['a"b', "a\\b", "a\nb", "\u0001"]) {
      expect(matches(shape, plain(piece))).toBe(piece);
      expect(shape.plain).toBe(false);
    }
    expect(matches(shape, plain("first").replace('"first"', '"\\u00e9\\/"'))).toBe("é/");
    expect(matches(shape, plain("plain é"))).toBe("plain é");
    expect(shape.plain).toBe(true);
  });

  test("what is not the same chunk with another string does not match", () => {
    const shape = learnt(plain("first"));
    const written = (body: string) => plain("first").replace('"first"', `"${body}"`);
    // A raw quote ends the string; a raw control character or a bad escape is not JSON; the
    // last backslash escapes the closing quote; an empty piece is no delta.
    for (const body of ['a"b', "a\tb", "a\u0001b", "\\x", "ab\\", ""]) expect(matches(shape, written(body))).toBeNull();
    expect(matches(shape, plain("x", { created: 1 }))).toBeNull();
  });

  test("learns nothing when the piece could be read in two places, or is not a plain delta", () => {
    expect(matches(learnt(plain("m")), plain("other"))).toBeNull(); // "m" is also the model's name
    const finished = JSON.stringify({ ...envelope, choices: [{ index: 0, delta: { content: "a" }, finish_reason: "stop" }] });
    expect(matches(learnt(finished), plain("b"))).toBeNull();
    const withUsage = JSON.stringify({
      ...envelope,
      usage: { prompt_tokens: 1, completion_tokens: 1 },
      choices: [{ index: 0, delta: { content: "a" } }],
    });
    expect(matches(learnt(withUsage), withUsage.replace('"a"', '"b"'))).toBeNull();
  });

  test("a piece written only inside another string (behind an escaped quote) is not learnt", () => {
    // content `hi\` written with a \u escape; the model's name `x"hi\` holds `"hi\\"` as written.
    const json = JSON.stringify({ model: 'x"hi\\', choices: [{ index: 0, delta: { content: "hi\\" } }] }).replace(
      '"content":"hi',
      '"content":"h\\u0069',
    );
    expect((JSON.parse(json) as ChatChunk).choices[0].delta?.content).toBe("hi\\");
    const shape = learnt(json);
    const at = json.indexOf('"hi\\\\"');
    expect(matches(shape, `${json.slice(0, at + 1)}zzz${json.slice(at + 5)}`)).toBeNull();
  });

  test("a piece found somewhere other than the delta (the delta's own text written with escapes) is not learnt", () => {
    const at = (model: string) =>
      JSON.stringify({ model, choices: [{ index: 0, delta: { content: "hi" } }] }).replace('"content":"hi"', '"content":"h\\u0069"');
    expect((JSON.parse(at("hi")) as ChatChunk).choices[0].delta?.content).toBe("hi");
    expect(matches(learnt(at("hi")), at("yo"))).toBeNull();
  });

  test("stops learning from a server whose chunks never repeat their shape", () => {
    const shape = new DeltaChunkShape();
    for (let i = 0; i < 20; i++) {
      const json = plain(`piece${i}`, { obfuscation: `pad${i}` });
      expect(shape.match(json, 0, json.length)).toBe(false);
      shape.learn(json, JSON.parse(json) as ChatChunk);
    }
    // The one learnt last (by then no longer tried) would fit this one: it was not learnt.
    expect(matches(shape, plain("next", { obfuscation: "pad19" }))).toBeNull();
  });
});

describe("Batch.data", () => {
  const spansOf = (text: string) => {
    const { text: all, spans } = new Batch(enc.encode(text)).data;
    const out: string[] = [];
    for (let i = 0; i < spans.length; i += 2) out.push(all.slice(spans[i], spans[i + 1]));
    return out;
  };
  const eventsOf = (text: string) => new Batch(enc.encode(text)).events.map((ev) => ev.data);

  test("the same data the parser gives, for plain batches and for every other shape of event", () => {
    for (const text of [
      'data: {"a":1}\n\ndata:{"b":2}\n\ndata: [DONE]\n\n',
      "data: \n\ndata:\n\n",
      'data: {"a":1}\r\n\r\n',
      'event: x\ndata: {"a":1}\n\n',
      ': comment\n\ndata: {"a":1}\n\n',
      "data: one\ndata: two\n\n",
      'data: {"a":1}\n\n\n',
      "data:  two spaces\n\n",
    ]) {
      expect(spansOf(text)).toEqual(eventsOf(text));
    }
  });

  test("a batch a stage already parsed is read from its events", () => {
    const b = new Batch(enc.encode('event: x\ndata: {"a":1}\n\ndata: [DONE]\n\n'));
    expect(b.events.length).toBe(2);
    const { text, spans } = b.data;
    expect([text.slice(spans[0], spans[1]), text.slice(spans[2], spans[3])]).toEqual(['{"a":1}', "[DONE]"]);
  });
});
