import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { Flavour } from "../../mock/flavour.ts";
import { readSse } from "../../mock/sse-reader.ts";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";

const FLAVOURS: Flavour[] = ["openai", "ollama", "llamacpp", "vllm"];
const mocks = new Map<Flavour, MockUpstream>();

beforeAll(async () => {
  for (const f of FLAVOURS) mocks.set(f, await startMockUpstream({ flavour: f }));
});
afterAll(async () => {
  for (const m of mocks.values()) await m.stop();
});

async function streamChunks(flavour: Flavour, model: string, includeUsage: boolean) {
  const res = await fetch(`${mocks.get(flavour)!.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model,
      stream: true,
      messages: [{ role: "user", content: [{ type: "text", text: "hi you" }] }],
      ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
    }),
  });
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  const events = await readSse(res);
  expect(events.at(-1)!.data).toBe("[DONE]");
  return events.slice(0, -1).map((e) => JSON.parse(e.data));
}

describe.each(FLAVOURS)("%s flavour", (flavour) => {
  test("the SDK reads the stream into the echo", async () => {
    const client = new OpenAI({ baseURL: mocks.get(flavour)!.url, apiKey: "x", maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: "abc" }], stream: true });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: abc");
  });

  test("usage chunk only when include_usage is asked", async () => {
    const without = await streamChunks(flavour, "mock-model", false);
    expect(without.some((c) => c.usage)).toBe(false);
    const withUsage = await streamChunks(flavour, "mock-model", true);
    const last = withUsage.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBe(3);
  });

  test("reasoning arrives before the content", async () => {
    const chunks = await streamChunks(flavour, "mock-model+reasoning", false);
    const deltas = chunks.flatMap((c) => c.choices.map((ch: { delta: Record<string, string> }) => ch.delta));
    const content = deltas.map((d) => d.content ?? "").join("");
    const reasoning = deltas.map((d) => d.reasoning_content ?? "").join("");
    if (flavour === "ollama") {
      expect(reasoning).toBe("");
      expect(content).toBe("<think>Let me think about this.</think>\n\nEcho: hi you");
    } else {
      expect(reasoning).toBe("Let me think about this.");
      expect(content).toBe("Echo: hi you");
      const firstReasoning = deltas.findIndex((d) => d.reasoning_content);
      const firstContent = deltas.findIndex((d) => d.content);
      expect(firstReasoning).toBeLessThan(firstContent);
    }
  });
});

describe("flavour quirks", () => {
  test("openai: service_tier and system_fingerprint, usage:null on chunks when usage is asked", async () => {
    const chunks = await streamChunks("openai", "mock-model", true);
    expect(chunks[0].service_tier).toBe("default");
    expect(chunks[0].system_fingerprint).toStartWith("fp_");
    expect(chunks[0].usage).toBeNull();
  });

  test("ollama: fp_ollama and role in every delta", async () => {
    const chunks = await streamChunks("ollama", "mock-model", false);
    expect(chunks.every((c) => c.system_fingerprint === "fp_ollama")).toBe(true);
    expect(chunks.every((c) => c.choices[0].delta.role === "assistant")).toBe(true);
  });

  test("llamacpp: timings on the final chunk, content null in the role chunk, long random id", async () => {
    const chunks = await streamChunks("llamacpp", "mock-model", false);
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: null });
    expect(chunks[0].id).toMatch(/^chatcmpl-[A-Za-z0-9]{32}$/);
    const final = chunks.at(-1);
    expect(final.choices[0].finish_reason).toBe("stop");
    expect(final.timings.predicted_n).toBe(3);
  });

  test("vllm: stop_reason null on every choice, model list carries max_model_len", async () => {
    const chunks = await streamChunks("vllm", "mock-model", false);
    expect(chunks.every((c) => "stop_reason" in c.choices[0] && c.choices[0].stop_reason === null)).toBe(true);
    const list = await (await fetch(`${mocks.get("vllm")!.url}/models`)).json();
    expect(list.data[0]).toMatchObject({ id: "mock-model", object: "model", owned_by: "vllm", max_model_len: 32768 });
  });

  test("ollama answers unknown paths with plain text, the others with an OpenAI error", async () => {
    const ollama = await fetch(`${mocks.get("ollama")!.url}/nowhere`);
    expect(ollama.status).toBe(404);
    expect(await ollama.text()).toBe("404 page not found");
    const openai = await fetch(`${mocks.get("openai")!.url}/nowhere`);
    expect(openai.status).toBe(404);
    expect((await openai.json()).error.code).toBe("not_found");
  });
});
