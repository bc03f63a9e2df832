import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI, { APIError } from "openai";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";

let mock: MockUpstream;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["mock-model", "llama3:8b"] });
  // No retries: a test of an injected error must see that one error, not three attempts.
  client = new OpenAI({ baseURL: mock.url, apiKey: "x", maxRetries: 0 });
});
afterAll(() => mock.stop());

const user = (text: string) => [{ role: "user" as const, content: text }];

describe("mock upstream through the openai SDK", () => {
  test("url includes /v1 and the port", () => {
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}/v1`);
  });

  test("lists models", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(["mock-model", "llama3:8b"]);
  });

  test("non-streamed chat echoes the last user message with usage", async () => {
    const res = await client.chat.completions.create({
      model: "mock-model",
      messages: [{ role: "system", content: "be brief" }, ...user("first"), { role: "assistant", content: "x" }, ...user("hello there world")],
    });
    expect(res.object).toBe("chat.completion");
    expect(res.choices[0].message.content).toBe("Echo: hello there world");
    expect(res.choices[0].finish_reason).toBe("stop");
    expect(res.usage!.completion_tokens).toBe(4);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + 4);
    expect(res.system_fingerprint).toBeString();
  });

  test("model names with a colon that is not a marker are plain names", async () => {
    const res = await client.chat.completions.create({ model: "llama3:8b", messages: user("hi") });
    expect(res.model).toBe("llama3:8b");
  });

  test("streamed chat: role chunk, word chunks, stop, usage chunk, [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-model",
      messages: user("one two three"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    const pieces = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).filter((s) => s !== "");
    expect(pieces).toEqual(["Echo: ", "one ", "two ", "three"]);
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(4);
  });

  test("tokens:N answers exactly N content chunks", async () => {
    const stream = await client.chat.completions.create({ model: "mock-model+tokens:5", messages: user("x"), stream: true });
    const pieces: string[] = [];
    for await (const c of stream) if (c.choices[0]?.delta.content) pieces.push(c.choices[0].delta.content);
    expect(pieces.join("")).toBe("tok0 tok1 tok2 tok3 tok4");
    expect(pieces.length).toBe(5);
  });

  test("tool-call stream assembles into valid JSON arguments for the request's tool", async () => {
    const tools = [{ type: "function" as const, function: { name: "lookup_city", parameters: { type: "object" } } }];
    const stream = await client.chat.completions.create({ model: "mock-model+tools", messages: user("weather?"), tools, stream: true });
    let name = "";
    let args = "";
    let finish: string | null = null;
    let fragments = 0;
    for await (const c of stream) {
      const tc = c.choices[0]?.delta.tool_calls?.[0];
      if (tc?.function?.name) name += tc.function.name;
      if (tc?.function?.arguments) {
        args += tc.function.arguments;
        fragments++;
      }
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe("lookup_city");
    expect(fragments).toBeGreaterThan(1);
    expect(JSON.parse(args)).toEqual({ location: "Paris, France", unit: "celsius" });
    expect(finish).toBe("tool_calls");
  });

  test("parallel-tools: two calls, interleaved, each with valid arguments", async () => {
    const stream = await client.chat.completions.create({ model: "mock-model+parallel-tools", messages: user("x"), stream: true });
    const args = ["", ""];
    const order: number[] = [];
    for await (const c of stream) {
      for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
        order.push(tc.index);
        args[tc.index] += tc.function?.arguments ?? "";
      }
    }
    expect(JSON.parse(args[0]).location).toBe("Paris, France");
    expect(JSON.parse(args[1]).location).toBe("Tokyo, Japan");
    expect(order.slice(0, 4)).toEqual([0, 1, 0, 1]);
  });

  test("non-streamed tool call", async () => {
    const res = await client.chat.completions.create({ model: "mock-model+tools", messages: user("x") });
    const call = res.choices[0].message.tool_calls![0];
    expect(call.type).toBe("function");
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(res.choices[0].message.content).toBeNull();
  });

  test("drop-after:N gives N content chunks, then a stream error on the client", async () => {
    const stream = await client.chat.completions.create({ model: "mock-model+drop-after:2", messages: user("a b c d e"), stream: true });
    const pieces: string[] = [];
    let error: unknown;
    try {
      for await (const c of stream) if (c.choices[0]?.delta.content) pieces.push(c.choices[0].delta.content);
    } catch (e) {
      error = e;
    }
    expect(error).toBeDefined();
    expect(pieces).toEqual(["Echo: ", "a "]);
    expect(mock.requests.at(-1)!.aborted).toBe(false);
  });

  test("error:503 surfaces as an APIError with status 503 and Retry-After", async () => {
    const err = await client.chat.completions.create({ model: "mock-model+error:503+retry-after:7", messages: user("x") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(503);
    expect((err as APIError).headers?.get("retry-after")).toBe("7");
    expect((err as APIError).type).toBe("server_error");
  });

  test("unknown model is a 404 model_not_found", async () => {
    const err = (await client.chat.completions.create({ model: "nope", messages: user("x") }).catch((e) => e)) as APIError;
    expect(err.status).toBe(404);
    expect(err.code).toBe("model_not_found");
  });

  test("a client abort on a hanging request is recorded", async () => {
    const ac = new AbortController();
    const pending = client.chat.completions.create({ model: "other+hang", messages: user("x") }, { signal: ac.signal }).catch((e) => e);
    const aborted = mock.waitForAbort("/chat/completions");
    // The request must have reached the mock before we abort, or nothing would be recorded.
    for (let i = 0; i < 200 && !mock.requests.some((r) => r.body?.model === "other+hang"); i++) await Bun.sleep(5);
    ac.abort();
    const rec = await aborted;
    expect(rec.aborted).toBe(true);
    expect(rec.body.model).toBe("other+hang");
    expect(await pending).toBeInstanceOf(Error);
  });

  test("stall-after-role sends the role chunk before the stall; abort mid-stream is recorded", async () => {
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "mock-model+stall-after-role:20000", messages: user("x"), stream: true },
      { signal: ac.signal },
    );
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value!.choices[0].delta.role).toBe("assistant");
    const aborted = mock.waitForAbort("/chat/completions");
    ac.abort();
    const rec = await aborted;
    expect(rec.body.model).toBe("mock-model+stall-after-role:20000");
  });

  test("a long stream stops when the client aborts, and the abort is recorded", async () => {
    const slow = await startMockUpstream({ tokenDelayMs: 5 });
    try {
      const c = new OpenAI({ baseURL: slow.url, apiKey: "x", maxRetries: 0 });
      const ac = new AbortController();
      const stream = await c.chat.completions.create({ model: "mock-model+tokens:100000", messages: user("x"), stream: true }, { signal: ac.signal });
      const it = stream[Symbol.asyncIterator]();
      for (let i = 0; i < 3; i++) await it.next();
      const aborted = slow.waitForAbort();
      ac.abort();
      expect((await aborted).path).toBe("/v1/chat/completions");
    } finally {
      await slow.stop();
    }
  });

  test("slow-first still answers in full", async () => {
    const res = await client.chat.completions.create({ model: "mock-model+slow-first:30", messages: user("late") });
    expect(res.choices[0].message.content).toBe("Echo: late");
  });

  test("down() cutting an open stream is not recorded as a client abort", async () => {
    const m = await startMockUpstream();
    try {
      const res = await fetch(`${m.url}/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "mock-model+stall-after-role:20000", stream: true, messages: user("x") }),
      });
      const reader = res.body!.getReader();
      await reader.read();
      m.down();
      await reader.read().catch(() => undefined);
      expect(m.requests[0].aborted).toBe(false);
    } finally {
      await m.stop();
    }
  });

  test("completed requests are recorded, with lowercased headers, and not aborted", async () => {
    await client.chat.completions.create({ model: "mock-model", messages: user("rec") }, { headers: { "X-Test-Id": "t1" } });
    const rec = mock.requests.find((r) => r.headers["x-test-id"] === "t1")!;
    expect(rec.method).toBe("POST");
    expect(rec.path).toBe("/v1/chat/completions");
    expect(rec.headers.authorization).toBe("Bearer x");
    expect(rec.body.messages[0].content).toBe("rec");
    expect(rec.aborted).toBe(false);
  });

  test("down() refuses connections and up() serves again on the same port", async () => {
    const port = mock.port;
    mock.down();
    const err = await fetch(`${mock.url}/models`).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    await mock.up();
    expect(mock.port).toBe(port);
    expect((await fetch(`${mock.url}/models`)).status).toBe(200);
  });
});

describe("mock upstream options", () => {
  test("apiKey: wrong key is a 401 AuthenticationError", async () => {
    const m = await startMockUpstream({ apiKey: "secret" });
    try {
      const bad = new OpenAI({ baseURL: m.url, apiKey: "wrong", maxRetries: 0 });
      const err = (await bad.models.list().catch((e) => e)) as APIError;
      expect(err.status).toBe(401);
      expect(err.code).toBe("invalid_api_key");
      const good = new OpenAI({ baseURL: m.url, apiKey: "secret", maxRetries: 0 });
      expect((await good.models.list()).data[0].id).toBe("mock-model");
    } finally {
      await m.stop();
    }
  });

  test("ollama: /api/ps lists loaded models, /api/tags all models", async () => {
    const m = await startMockUpstream({ flavour: "ollama", models: ["llama3:8b", "qwen3:4b"], loaded: ["qwen3:4b"] });
    try {
      const ps = await (await fetch(`http://127.0.0.1:${m.port}/api/ps`)).json();
      expect(ps.models.map((x: { name: string }) => x.name)).toEqual(["qwen3:4b"]);
      expect(ps.models[0].size_vram).toBeNumber();
      const tags = await (await fetch(`http://127.0.0.1:${m.port}/api/tags`)).json();
      expect(tags.models.map((x: { name: string }) => x.name)).toEqual(["llama3:8b", "qwen3:4b"]);
    } finally {
      await m.stop();
    }
  });

  test("/api/ps is not served by the other flavours", async () => {
    const m = await startMockUpstream({ flavour: "vllm" });
    try {
      expect((await fetch(`http://127.0.0.1:${m.port}/api/ps`)).status).toBe(404);
    } finally {
      await m.stop();
    }
  });
});
