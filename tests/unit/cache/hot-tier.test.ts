import { describe, expect, test } from "bun:test";
import { HotTier } from "../../../src/cache/hot-tier.ts";
import { readFileSync } from "node:fs";
import { finalTemplate, replayFinal, streamTemplate } from "../../../src/cache/replay.ts";
import { replayStream, streamOfTexts } from "../../helpers/replay.ts";
import { SseParser } from "../../../src/protocol/sse.ts";
import type { CacheEntry } from "../../../src/cache/store.ts";
import { codexFixture } from "../../helpers/fixtures.ts";

const completion = (content: string) => ({
  id: "chatcmpl-orig",
  object: "chat.completion",
  created: 1,
  model: "up",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
});
const entry = (key: string, o: Partial<CacheEntry> = {}): CacheEntry => ({
  key,
  api: "chat",
  namespace: "default",
  createdAt: 0,
  stream: null,
  final: completion(`answer for ${key}`),
  ...o,
});

function tier(o: { maxBytes?: number; maxAgeMs?: number; ttlMs?: number } = {}) {
  let t = 0;
  const hot = new HotTier({ maxBytes: o.maxBytes ?? 1 << 20, maxAgeMs: o.maxAgeMs ?? 10_000, ttlMs: o.ttlMs ?? 60_000, now: () => t });
  return { hot, at: (ms: number) => (t = ms) };
}

describe("finalTemplate", () => {
  test("renders the same object replayFinal makes, for any id and model, text with quotes included", () => {
    const e = entry("k", { final: completion('say "hi" \\ and \u00e9') });
    const tpl = finalTemplate(e);
    for (const [id, model] of [
      ["chatcmpl-1", "gpu/m"],
      ['we"ird', "m\\odel\n"],
    ]) {
      expect(JSON.parse(tpl.render(id!, model!)[0]!)).toEqual(replayFinal(e, { id, model }));
    }
    expect(tpl.bytes).toBe(Buffer.byteLength(tpl.render("wf-id-0123456789abcdef0123456789abcdef", "wf-model-0123456789abcdef0123456789abcdef")[0]!));
  });

  test("embeddings keep no id; a stream-only Responses entry is assembled", () => {
    const emb = entry("e", { api: "embeddings", final: { object: "list", data: [{ index: 0, embedding: [1] }], model: "up" } });
    expect(JSON.parse(finalTemplate(emb).render("ignored", "asked")[0]!)).toEqual({
      object: "list",
      data: [{ index: 0, embedding: [1] }],
      model: "asked",
    });
    const resp = { id: "resp_o", object: "response", status: "completed", model: "up", output: [] };
    const streamed = entry("r", { api: "responses", final: null, stream: [JSON.stringify({ type: "response.completed", response: resp })] });
    expect(JSON.parse(finalTemplate(streamed).render("resp_new", "asked")[0]!)).toEqual({ ...resp, id: "resp_new", model: "asked" });
  });
});

async function text(r: ReadableStream<Uint8Array>): Promise<string[]> {
  const dec = new TextDecoder();
  const out: string[] = [];
  for await (const c of r) out.push(dec.decode(c));
  return out;
}

describe("streamTemplate", () => {
  const chunk = (delta: object, finish: string | null = null) =>
    JSON.stringify({
      id: "chatcmpl-o",
      object: "chat.completion.chunk",
      created: 7,
      model: "up",
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  const usage = JSON.stringify({
    id: "chatcmpl-o",
    object: "chat.completion.chunk",
    created: 7,
    model: "up",
    choices: [],
    usage: { total_tokens: 3 },
  });
  const chat = entry("s", { stream: [chunk({ role: "assistant", content: "" }), chunk({ content: 'a "quoted" bit' }), chunk({}, "stop"), usage] });

  test("chat: the same events, event by event, as replayStream, with and without usage", async () => {
    for (const includeUsage of [false, true]) {
      const rendered = streamTemplate(chat, includeUsage).render("chatcmpl-new", 'my "model"');
      const expected = await text(replayStream(chat, { api: "chat", includeUsage, id: "chatcmpl-new", model: 'my "model"' }));
      expect(await text(streamOfTexts(rendered))).toEqual(expected);
      expect(rendered.at(-1)).toBe("data: [DONE]\n\n");
    }
  });

  test("Responses: every event's response gets the new id and model; the rest is untouched", async () => {
    const raw = readFileSync(codexFixture("sse-text-answer.txt"), "utf8");
    const stream = new SseParser().push(raw + "\n\n").map((e) => e.data);
    const e = entry("r", { api: "responses", stream, final: null });
    const rendered = streamTemplate(e, false).render("resp_new", "asked");
    expect(rendered).toEqual(await text(replayStream(e, { api: "responses", includeUsage: false, id: "resp_new", model: "asked" })));
    const completed = new SseParser().push(rendered.join("")).find((x) => x.event === "response.completed")!;
    expect(JSON.parse(completed.data).response).toMatchObject({ id: "resp_new", model: "asked", status: "completed" });
  });
});

describe("HotTier", () => {
  test("serves what was set, per namespace", () => {
    const { hot } = tier();
    hot.set(entry("k", { namespace: "a" }));
    expect(hot.get("k", "a")?.entry.namespace).toBe("a");
    expect(hot.get("k", "b")).toBeNull();
  });

  test("an entry leaves after maxAgeMs from when it was set, and never outlives its TTL", () => {
    const { hot, at } = tier({ maxAgeMs: 1000, ttlMs: 5000 });
    at(100);
    hot.set(entry("young", { createdAt: 100 }));
    hot.set(entry("old", { createdAt: -4500 })); // TTL ends at 500, before the age bound
    at(499);
    expect(hot.get("old", "default")).not.toBeNull();
    at(500);
    expect(hot.get("old", "default")).toBeNull();
    expect(hot.get("young", "default")).not.toBeNull();
    at(1100);
    expect(hot.get("young", "default")).toBeNull();
    expect(hot.size).toBe(0);
    expect(hot.bytes).toBe(0);
    // Already past its TTL: not kept at all.
    expect(hot.set(entry("dead", { createdAt: -10_000 }))).toBeNull();
  });

  test("bounded by bytes, least recently used out first; too big is not kept", () => {
    const one = finalTemplate(entry("a")).bytes;
    const { hot } = tier({ maxBytes: one * 2 + 2 });
    hot.set(entry("a"));
    hot.set(entry("b"));
    expect(hot.get("a", "default")).not.toBeNull(); // a is now the most recent
    hot.set(entry("c"));
    expect(hot.get("b", "default")).toBeNull();
    expect(hot.get("a", "default")).not.toBeNull();
    expect(hot.get("c", "default")).not.toBeNull();
    expect(hot.bytes).toBeLessThanOrEqual(one * 2 + 2);
    expect(hot.set(entry("huge", { final: completion("x".repeat(one * 3)) }))).toBeNull();
    expect(hot.get("huge", "default")).toBeNull();
  });

  test("a stream replay made for an entry is kept with it and counted", () => {
    const { hot } = tier();
    const h = hot.set(entry("s", { stream: [JSON.stringify({ choices: [{ index: 0, delta: { content: "x" }, finish_reason: "stop" }] })] }))!;
    const before = hot.bytes;
    const t = hot.stream(h, false);
    expect(hot.stream(h, false)).toBe(t);
    expect(hot.bytes).toBe(before + t.bytes);
    expect(h.bytes).toBe(before + t.bytes);
    hot.stream(h, true);
    expect(h.streams.filter(Boolean)).toHaveLength(2);
  });

  test("recorded stream payloads count toward the bytes; re-setting a key replaces it", () => {
    const { hot } = tier();
    const h = hot.set(entry("s", { stream: ["x".repeat(1000)] }))!;
    expect(h.bytes).toBe(h.final.bytes + 1000);
    hot.set(entry("s"));
    expect(hot.size).toBe(1);
    expect(hot.bytes).toBe(hot.get("s", "default")!.final.bytes);
    hot.clear();
    expect(hot.get("s", "default")).toBeNull();
    expect(hot.bytes).toBe(0);
  });
});
