import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { recorder, type Recorded } from "../../../src/cache/record.ts";
import { PROTOCOLS, type Api } from "../../../src/protocol/apis.ts";
import { Frames } from "../../../src/relay/frames.ts";
import { GatewayError, chatStreamErrorEvent, responsesStreamErrorEvent } from "../../../src/protocol/errors.ts";
import { codexFixture } from "../../helpers/fixtures.ts";

const SSE = "text/event-stream; charset=utf-8";
const JSON_CT = "application/json";
const enc = new TextEncoder();

/**
 * Feeds text in awkward pieces (split mid-event and mid-UTF-8) the way a socket might,
 * framed into events by the relay's one framer, as the outgoing stream hands them over.
 */
async function record(api: Api, status: number, contentType: string, text: string, pieces = 7): Promise<Recorded | null> {
  const rec = recorder(PROTOCOLS[api], status);
  if (!contentType.includes("event-stream")) return rec.finish(text) as Recorded | null;
  const all = enc.encode(text);
  const step = Math.max(1, Math.ceil(all.length / pieces));
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (i >= all.length) return ctl.close();
      ctl.enqueue(all.subarray(i, i + step));
      i += step;
    },
  });
  const frames = new Frames(body);
  try {
    for (let b = await frames.read(); b; b = await frames.read()) rec.push(b);
  } catch {
    return null; // cut mid-event: the stream failed, so nothing is kept
  }
  return rec.finish() as Recorded | null;
}

const sse = (payloads: unknown[], done = true) => payloads.map((p) => `data: ${JSON.stringify(p)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");

const head = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1700000000, model: "m" };
const chatChunks = [
  { ...head, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
  { ...head, choices: [{ index: 0, delta: { content: "Héllo " }, finish_reason: null }] },
  { ...head, choices: [{ index: 0, delta: { content: "wörld" }, finish_reason: null }] },
  { ...head, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
  { ...head, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
];

describe("recorder: streams", () => {
  test("chat stream → its data payloads (without [DONE]) and the assembled completion", async () => {
    const r = await record("chat", 200, SSE, sse(chatChunks));
    expect(r).not.toBeNull();
    expect(r!.stream).toEqual(chatChunks.map((c) => JSON.stringify(c)));
    expect(r!.final).toMatchObject({
      id: "chatcmpl-1",
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "Héllo wörld" }, finish_reason: "stop" }],
      usage: { total_tokens: 5 },
    });
  });

  test("a last event with no blank line after it still counts", async () => {
    const text = sse(chatChunks, false).replace(/\n\n$/, "\n");
    const r = await record("chat", 200, SSE, text);
    expect(r?.stream).toHaveLength(chatChunks.length);
  });

  test("Responses stream → every event's data, final = the response.completed response", async () => {
    const text = readFileSync(codexFixture("sse-text-answer.txt"), "utf8");
    const r = await record("responses", 200, SSE, text, 13);
    expect(r).not.toBeNull();
    const types = r!.stream!.map((d) => JSON.parse(d).type);
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(r!.final).toMatchObject({ id: "resp_1", status: "completed", output: [{ content: [{ text: "Hello from the gateway." }] }] });
  });

  test("legacy completions stream → text per choice joined, finish and usage kept", async () => {
    const h = { id: "cmpl-1", object: "text_completion", created: 1, model: "m" };
    const chunks = [
      { ...h, choices: [{ index: 0, text: "foo", finish_reason: null }] },
      { ...h, choices: [{ index: 0, text: "bar", finish_reason: "stop" }] },
      { ...h, choices: [], usage: { total_tokens: 4 } },
    ];
    const r = await record("completions", 200, SSE, sse(chunks));
    expect(r!.stream).toHaveLength(3);
    expect(r!.final).toEqual({
      id: "cmpl-1",
      object: "text_completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, text: "foobar", logprobs: null, finish_reason: "stop" }],
      usage: { total_tokens: 4 },
    });
  });

  test("a chat stream ending with the gateway's error event is not kept", async () => {
    const cut = sse(chatChunks.slice(0, 2), false) + chatStreamErrorEvent(new GatewayError("upstream_error", "the upstream went away"));
    expect(await record("chat", 200, SSE, cut)).toBeNull();
  });

  test("a Responses stream with an `error` event is not kept", async () => {
    const text = readFileSync(codexFixture("sse-text-answer.txt"), "utf8");
    const early = text.slice(0, text.indexOf("event: response.completed"));
    expect(await record("responses", 200, SSE, early + responsesStreamErrorEvent(new Error("boom"), 10))).toBeNull();
  });

  test("a stream cut before its finish is not kept", async () => {
    // No finish_reason chunk, no [DONE]: the upstream died and nobody added an error event.
    expect(await record("chat", 200, SSE, sse(chatChunks.slice(0, 3), false))).toBeNull();
    // Cut in the middle of an event: the partial one is dropped, and there is no finish.
    const whole = sse(chatChunks);
    expect(await record("chat", 200, SSE, whole.slice(0, whole.indexOf('"stop"') + 3))).toBeNull();
  });

  test("a Responses stream that ends incomplete is not kept", async () => {
    const text = readFileSync(codexFixture("sse-text-answer.txt"), "utf8")
      .replace("event: response.completed", "event: response.incomplete")
      .replace(/"type":"response\.completed"(.*)"status":"completed","model"/, '"type":"response.incomplete"$1"status":"incomplete","model"');
    expect(await record("responses", 200, SSE, text)).toBeNull();
  });

  test("a data payload that is not JSON makes the whole stream unrecordable", async () => {
    expect(await record("chat", 200, SSE, "data: {not json\n\n" + sse(chatChunks))).toBeNull();
  });
});

describe("recorder: whole answers", () => {
  const completion = {
    id: "chatcmpl-2",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop", logprobs: null }],
  };

  test("chat JSON → stream null, final the parsed object", async () => {
    expect(await record("chat", 200, JSON_CT, JSON.stringify(completion), 3)).toMatchObject({ stream: null, final: completion });
  });

  test("embeddings JSON → kept when it has data, not when empty", async () => {
    const emb = {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.1, -0.2] }],
      model: "e",
      usage: { prompt_tokens: 1, total_tokens: 1 },
    };
    expect(await record("embeddings", 200, JSON_CT, JSON.stringify(emb))).toMatchObject({ stream: null, final: emb });
    expect(await record("embeddings", 200, JSON_CT, JSON.stringify({ ...emb, data: [] }))).toBeNull();
  });

  test("a finish of length or content_filter is not kept", async () => {
    for (const reason of ["length", "content_filter"]) {
      const c = { ...completion, choices: [{ ...completion.choices[0], finish_reason: reason }] };
      expect(await record("chat", 200, JSON_CT, JSON.stringify(c))).toBeNull();
    }
  });

  test("a 2xx body carrying an error object, or not JSON, is not kept", async () => {
    expect(await record("chat", 200, JSON_CT, JSON.stringify({ error: { message: "x" } }))).toBeNull();
    expect(await record("chat", 200, JSON_CT, "<html>oops</html>")).toBeNull();
    expect(await record("chat", 200, JSON_CT, JSON.stringify(completion).slice(0, 40))).toBeNull();
  });

  test("non-2xx answers are never kept, whatever their body", async () => {
    for (const status of [400, 429, 500, 503]) {
      expect(await record("chat", status, JSON_CT, JSON.stringify(completion))).toBeNull();
      expect(await record("chat", status, SSE, sse(chatChunks))).toBeNull();
    }
  });
});
