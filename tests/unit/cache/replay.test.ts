import { describe, expect, test } from "bun:test";
import { assembleChat, chatToChunks } from "../../../src/protocol/api/chat.ts";
import { assembleResponse, responseToEvents } from "../../../src/protocol/api/responses.ts";
import { freshId, replayFinal } from "../../../src/cache/replay.ts";
import { PROTOCOLS } from "../../../src/protocol/apis.ts";
import { replayStream } from "../../helpers/replay.ts";
import type { CacheEntry } from "../../../src/cache/store.ts";
import { SseParser, type SseEvent } from "../../../src/protocol/sse.ts";
import { codexFixture } from "../../helpers/fixtures.ts";

const head = { id: "chatcmpl-orig", object: "chat.completion.chunk", created: 1700000000, model: "up-model" };
const c = (delta: object, finish: string | null = null, index = 0) => ({ ...head, choices: [{ index, delta, finish_reason: finish }] });
const recorded = [
  c({ role: "assistant", content: "" }),
  c({ reasoning_content: "think " }),
  c({ reasoning_content: "more" }),
  c({ content: "Hello " }),
  c({ content: "world" }),
  c({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "ls", arguments: "" } }] }),
  c({ tool_calls: [{ index: 0, function: { arguments: '{"dir":' } }] }),
  c({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "cat", arguments: '{"f":1}' } }] }),
  c({ tool_calls: [{ index: 0, function: { arguments: '"."}' } }] }),
  c({}, "tool_calls"),
  { ...head, choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } },
];

const withoutIds = (o: any) => ({ ...o, id: undefined, model: undefined });

async function readSse(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  for await (const chunk of stream) out.push(...parser.push(chunk));
  expect(parser.rest()).toBe("");
  return out;
}

describe("assembleChat / chatToChunks", () => {
  test("merges content, reasoning, tool calls by index, finish and usage", () => {
    const f = assembleChat(recorded);
    expect(f).toMatchObject({ id: "chatcmpl-orig", object: "chat.completion", created: 1700000000, model: "up-model" });
    expect(f.choices[0].message).toEqual({
      role: "assistant",
      content: "Hello world",
      reasoning_content: "think more",
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "ls", arguments: '{"dir":"."}' } },
        { id: "call_2", type: "function", function: { name: "cat", arguments: '{"f":1}' } },
      ],
    });
    expect(f.choices[0].finish_reason).toBe("tool_calls");
    expect(f.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
  });

  test("round trip: chunks → final → chunks → final is stable", () => {
    const f = assembleChat(recorded);
    const chunks = chatToChunks(f);
    expect(chunks.length).toBeGreaterThan(4);
    expect(assembleChat(chunks)).toEqual(f);
  });

  test("tool-call-only turn has content null; multiple choices stay apart", () => {
    const f = assembleChat([
      c({ role: "assistant", content: "" }, null, 0),
      c({ role: "assistant", content: "B" }, null, 1),
      c({ tool_calls: [{ index: 0, id: "x", type: "function", function: { name: "n", arguments: "{}" } }] }, "tool_calls", 0),
      c({}, "stop", 1),
    ]);
    expect(f.choices.map((ch) => ch.message.content)).toEqual([null, "B"]);
    expect(assembleChat(chatToChunks(f))).toEqual(f);
  });
});

describe("replay chat", () => {
  const final = assembleChat(recorded);
  const fromStream: CacheEntry = {
    key: "k",
    api: "chat",
    namespace: "n",
    createdAt: 0,
    stream: [...recorded.map((r) => JSON.stringify(r)), "[DONE]"],
    final,
  };
  const fromFinal: CacheEntry = { ...fromStream, stream: null };

  for (const [name, entry] of [
    ["stream", fromStream],
    ["final", fromFinal],
  ] as const) {
    test(`recorded from ${name}: SSE parses back to the same final, fresh consistent id, [DONE]`, async () => {
      const events = await readSse(replayStream(entry, { api: "chat", includeUsage: true, model: "my-alias" }));
      expect(events.at(-1)!.data).toBe("[DONE]");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
      if (name === "stream") expect(chunks.length).toBe(recorded.length); // same boundaries
      const ids = new Set(chunks.map((ch) => ch.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      expect(id).toMatch(/^chatcmpl-/);
      expect(id).not.toBe("chatcmpl-orig");
      expect(chunks.every((ch) => ch.model === "my-alias")).toBe(true);
      expect(withoutIds(assembleChat(chunks))).toEqual(withoutIds(final));
    });
  }

  test("usage chunk dropped without include_usage; each replay has its own id", async () => {
    const a = (await readSse(replayStream(fromStream, { api: "chat", includeUsage: false, model: "m" }))).slice(0, -1).map((e) => JSON.parse(e.data));
    expect(a.length).toBe(recorded.length - 1);
    expect(a.some((ch) => "usage" in ch)).toBe(false);
    const b = (await readSse(replayStream(fromStream, { api: "chat", includeUsage: false, model: "m" }))).map((e) => e.data);
    expect(JSON.parse(b[0]).id).not.toBe(a[0].id);
  });

  test("usage added from the final when the recording had none", async () => {
    const noUsage: CacheEntry = { ...fromStream, stream: recorded.slice(0, -1).map((r) => JSON.stringify(r)) };
    const chunks = (await readSse(replayStream(noUsage, { api: "chat", includeUsage: true, model: "m" })))
      .slice(0, -1)
      .map((e) => JSON.parse(e.data));
    expect(chunks.at(-1).usage).toEqual(final.usage);
  });

  test("replayFinal: fresh id, requested model, content intact, entry untouched", () => {
    const a = replayFinal(fromStream, { id: freshId(PROTOCOLS.chat), model: "alias" });
    expect(a.id).toMatch(/^chatcmpl-/);
    expect(a.id).not.toBe(final.id);
    expect(a.model).toBe("alias");
    expect(withoutIds(a)).toEqual(withoutIds(final));
    expect(final.id).toBe("chatcmpl-orig");
  });
});

describe("responses", () => {
  const fixture = async (name: string) =>
    // The recorded files end without the final blank line.
    new SseParser().push(`${(await Bun.file(codexFixture(name)).text()).trimEnd()}\n\n`).map((e) => JSON.parse(e.data));

  for (const name of ["sse-text-answer.txt", "sse-tool-call.txt"]) {
    test(`${name}: assemble, replay both ways, fresh resp id`, async () => {
      const events = await fixture(name);
      const final = assembleResponse(events)!;
      expect(final.status).toBe("completed");
      const entry: CacheEntry = { key: "k", api: "responses", namespace: "n", createdAt: 0, stream: events.map((e) => JSON.stringify(e)), final };
      for (const e of [entry, { ...entry, stream: null }]) {
        const out = await readSse(replayStream(e, { api: "responses", includeUsage: true, model: "alias" }));
        expect(out.every((ev) => ev.event === JSON.parse(ev.data).type)).toBe(true);
        const parsed = out.map((ev) => JSON.parse(ev.data));
        expect(parsed.map((p) => p.sequence_number)).toEqual(parsed.map((_, i) => i));
        const again = assembleResponse(parsed)!;
        expect(again.id).toMatch(/^resp_/);
        expect(again.id).not.toBe(final.id);
        expect({ ...again, id: 0, model: 0 }).toEqual({ ...final, id: 0, model: 0 });
        const ids = new Set(parsed.filter((p) => p.response).map((p) => p.response.id));
        expect(ids.size).toBe(1);
      }
    });
  }

  test("responseToEvents emits the documented sequence for a text answer", async () => {
    const final = assembleResponse(await fixture("sse-text-answer.txt"))!;
    const types = responseToEvents(final).map((e) => e.type);
    expect(types[0]).toBe("response.created");
    expect(types[1]).toBe("response.in_progress");
    expect(types).toContain("response.output_item.added");
    expect(types).toContain("response.output_text.delta");
    expect(types).toContain("response.output_text.done");
    expect(types.at(-2)).toBe("response.output_item.done");
    expect(types.at(-1)).toBe("response.completed");
  });
});
