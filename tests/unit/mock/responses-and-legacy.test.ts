import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI, { type APIError } from "openai";
import { embedText } from "../../mock/legacy-answer.ts";
import { readSse } from "../../mock/sse-reader.ts";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";

let mock: MockUpstream;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream({ wire: ["chat", "responses"] });
  client = new OpenAI({ baseURL: mock.url, apiKey: "x", maxRetries: 0 });
});
afterAll(() => mock.stop());

describe("Responses API", () => {
  test("non-streamed: a completed Response whose text echoes the input", async () => {
    const res = await client.responses.create({ model: "mock-model", input: "hello responses" });
    expect(res.object).toBe("response");
    expect(res.status).toBe("completed");
    expect(res.output_text).toBe("Echo: hello responses");
    expect(res.usage!.output_tokens).toBe(3);
  });

  test("streamed: the full event sequence, numbered, ending in response.completed", async () => {
    const stream = await client.responses.create({
      model: "mock-model",
      input: [{ role: "user", content: [{ type: "input_text", text: "hi there" }] }],
      stream: true,
    });
    const types: string[] = [];
    const seqs: number[] = [];
    let text = "";
    for await (const ev of stream) {
      types.push(ev.type);
      seqs.push(ev.sequence_number);
      if (ev.type === "response.output_text.delta") text += ev.delta;
    }
    expect(text).toBe("Echo: hi there");
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(types.filter((t) => !t.endsWith(".delta"))).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
  });

  test("streamed tool call: arguments deltas join into the done arguments", async () => {
    const res = await fetch(`${mock.url}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "mock-model+tools",
        stream: true,
        input: "run it",
        tools: [{ type: "function", name: "exec_command", parameters: { type: "object" } }],
      }),
    });
    const events = (await readSse(res)).map((e) => ({ event: e.event, ...JSON.parse(e.data) }));
    expect(events.every((e) => e.event === e.type)).toBe(true);
    const deltas = events.filter((e) => e.type === "response.function_call_arguments.delta").map((e) => e.delta);
    const done = events.find((e) => e.type === "response.function_call_arguments.done");
    expect(deltas.join("")).toBe(done.arguments);
    const completed = events.at(-1);
    expect(completed.response.output[0]).toMatchObject({ type: "function_call", name: "exec_command" });
  });

  test("reasoning marker: a reasoning item with its summary precedes the message", async () => {
    const res = await client.responses.create({ model: "mock-model+reasoning", input: "why" });
    expect(res.output.map((i) => i.type)).toEqual(["reasoning", "message"]);
    expect(res.output_text).toBe("Echo: why");
    const sse = await fetch(`${mock.url}/responses`, {
      method: "POST",
      body: JSON.stringify({ model: "mock-model+reasoning", input: "why", stream: true }),
    });
    const events = (await readSse(sse)).map((e) => JSON.parse(e.data));
    const summary = events
      .filter((e) => e.type === "response.reasoning_summary_text.delta")
      .map((e) => e.delta)
      .join("");
    expect(summary).toBe("Let me think about this.");
    const firstSummary = events.findIndex((e) => e.type === "response.reasoning_summary_text.delta");
    expect(firstSummary).toBeLessThan(events.findIndex((e) => e.type === "response.output_text.delta"));
  });

  test("404 when the mock does not speak the Responses wire", async () => {
    const chatOnly = await startMockUpstream();
    try {
      const c = new OpenAI({ baseURL: chatOnly.url, apiKey: "x", maxRetries: 0 });
      const err = (await c.responses.create({ model: "mock-model", input: "x" }).catch((e) => e)) as APIError;
      expect(err.status).toBe(404);
    } finally {
      await chatOnly.stop();
    }
  });
});

describe("legacy endpoints", () => {
  test("completions echo the prompt, streamed and not", async () => {
    const full = await client.completions.create({ model: "mock-model", prompt: "say this" });
    expect(full.choices[0].text).toBe("Echo: say this");
    const stream = await client.completions.create({ model: "mock-model", prompt: "say this", stream: true });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.text ?? "";
    expect(text).toBe("Echo: say this");
  });

  test("embeddings are deterministic per text, unit length, same via base64 and float", async () => {
    // The SDK asks for base64 by default and decodes it.
    const a = await client.embeddings.create({ model: "mock-model", input: ["alpha", "beta"] });
    const b = await client.embeddings.create({ model: "mock-model", input: "alpha", encoding_format: "float" });
    expect(a.data).toHaveLength(2);
    expect(a.data[0].embedding).toEqual(b.data[0].embedding);
    expect(a.data[0].embedding).toEqual(embedText("alpha"));
    expect(a.data[0].embedding).not.toEqual(a.data[1].embedding);
    expect(Math.hypot(...a.data[1].embedding)).toBeCloseTo(1, 5);
  });

  test("faults apply to every model-bearing endpoint", async () => {
    const err = (await client.embeddings.create({ model: "x+error:429", input: "a" }).catch((e) => e)) as APIError;
    expect(err.status).toBe(429);
    expect(err.type).toBe("rate_limit_error");
  });

  test("a non-streamed drop-after cuts the JSON body", async () => {
    const err = await client.chat.completions
      .create({ model: "mock-model+drop-after:1", messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Error);
  });
});
