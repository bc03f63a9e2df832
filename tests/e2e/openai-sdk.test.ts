// The official openai SDK through the gateway to mock upstreams of every flavour:
// streamed and not, chat, responses, completions, embeddings, with and without /v1.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

const FLAVOURS = ["openai", "ollama", "llamacpp", "vllm"] as const;
const mocks: Record<string, MockUpstream> = {};
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  for (const f of FLAVOURS) {
    mocks[f] = await startMockUpstream({
      flavour: f,
      models: [`${f}-model`],
      apiKey: `sk-${f}-secret`,
      wire: f === "openai" ? ["chat", "responses"] : ["chat"],
    });
  }
  let toml = "";
  for (const f of FLAVOURS) toml += upstreamToml(f, mocks[f].url, `api_key_env = "${f.toUpperCase()}_KEY"`);
  toml += `[models."gpt-5.2-codex"]\ntargets = ["ollama/ollama-model", "openai/openai-model"]\n`;
  const env = Object.fromEntries(FLAVOURS.map((f) => [`${f.toUpperCase()}_KEY`, `sk-${f}-secret`]));
  gw = await startTestGateway(toml, { env });
  client = new OpenAI({ baseURL: gw.v1, apiKey: "client-key-not-for-upstream", maxRetries: 0 });
});

afterAll(async () => {
  await gw.stop();
  for (const m of Object.values(mocks)) await m.stop();
});

describe.each(FLAVOURS)("%s flavour", (flavour) => {
  const model = `${flavour}-model`;

  test("non-streamed chat completion", async () => {
    const { data, response } = await client.chat.completions
      .create({ model, messages: [{ role: "user", content: `hello ${flavour}` }] })
      .withResponse();
    expect(data.choices[0].message.content).toContain(`hello ${flavour}`);
    expect(data.choices[0].finish_reason).toBe("stop");
    expect(response.headers.get("x-wayfront-upstream")).toBe(flavour);
    expect(response.headers.get("x-wayfront-request-id")).toMatch(/^wf-/);
  });

  test("streamed chat completion assembles the same text", async () => {
    const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: `stream ${flavour}` }] });
    let text = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toContain(`stream ${flavour}`);
    expect(finish).toBe("stop");
  });

  test("streamed tool calls arrive whole", async () => {
    const stream = await client.chat.completions.create({
      model: `${flavour}/${model}+tools`,
      stream: true,
      messages: [{ role: "user", content: "weather?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
    });
    const args: string[] = [];
    let name = "";
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta?.tool_calls ?? []) {
        if (tc.function?.name) name = tc.function.name;
        args[tc.index] = (args[tc.index] ?? "") + (tc.function?.arguments ?? "");
      }
    }
    expect(name).toBe("get_weather");
    expect(() => JSON.parse(args[0])).not.toThrow();
  });
});

test("the client's key never reaches the upstream; the upstream's own key does", async () => {
  const before = mocks.vllm.requests.length;
  await client.chat.completions.create({ model: "vllm-model", messages: [{ role: "user", content: "key check" }] });
  const rec = mocks.vllm.requests.slice(before).find((r) => r.path.endsWith("/chat/completions"))!;
  expect(rec.headers.authorization).toBe("Bearer sk-vllm-secret");
  expect(JSON.stringify(rec.headers)).not.toContain("client-key-not-for-upstream");
});

test("an alias lands on its first target with the model rewritten and nothing else changed", async () => {
  const before = mocks.ollama.requests.length;
  const body = `{"model":"gpt-5.2-codex",  "messages":[{"role":"user","content":"alias"}],"temperature":1.0}`;
  const res = await fetch(`${gw.v1}/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } });
  expect(res.status).toBe(200);
  expect(res.headers.get("x-wayfront-upstream")).toBe("ollama");
  await res.json();
  const rec = mocks.ollama.requests.slice(before).find((r) => r.path.endsWith("/chat/completions"))!;
  expect(rec.body.model).toBe("ollama-model");
  expect(rec.body.temperature).toBe(1);
  expect(rec.body.messages).toEqual([{ role: "user", content: "alias" }]);
});

test("upstream/model addresses one upstream directly", async () => {
  const { response } = await client.chat.completions
    .create({ model: "llamacpp/llamacpp-model", messages: [{ role: "user", content: "direct" }] })
    .withResponse();
  expect(response.headers.get("x-wayfront-upstream")).toBe("llamacpp");
});

test("every path also answers without the /v1 prefix", async () => {
  const bare = new OpenAI({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
  const r = await bare.chat.completions.create({ model: "openai-model", messages: [{ role: "user", content: "bare" }] });
  expect(r.choices[0].message.content).toContain("bare");
  const list = await bare.models.list();
  expect(list.data.length).toBeGreaterThan(0);
});

test("GET /v1/models lists aliases and every upstream model; GET /v1/models/{id} finds each", async () => {
  const ids = (await client.models.list()).data.map((m) => m.id);
  expect(ids).toContain("gpt-5.2-codex");
  for (const f of FLAVOURS) expect(ids).toContain(`${f}-model`);
  expect((await client.models.retrieve("gpt-5.2-codex")).id).toBe("gpt-5.2-codex");
  expect((await client.models.retrieve("ollama-model")).owned_by).toBe("ollama");
  const res = await fetch(`${gw.v1}/models/ollama/ollama-model`);
  expect(res.status).toBe(200);
  expect((await res.json()).id).toBe("ollama/ollama-model");
  const err = await client.models.retrieve("no-such-model").then(
    () => null,
    (e) => e,
  );
  expect(err?.status).toBe(404);
  expect(err?.message).toContain("/v1/models");
});

test("responses API passes through to an upstream that speaks it, streamed and not", async () => {
  const r = await client.responses.create({ model: "openai-model", input: "responses hi" });
  expect(r.output_text).toContain("responses hi");
  const stream = await client.responses.create({ model: "openai-model", input: "responses stream", stream: true });
  const types: string[] = [];
  let text = "";
  for await (const ev of stream) {
    types.push(ev.type);
    if (ev.type === "response.output_text.delta") text += ev.delta;
  }
  expect(types[0]).toBe("response.created");
  expect(types.at(-1)).toBe("response.completed");
  expect(text).toContain("responses stream");
});

test("legacy completions and embeddings", async () => {
  const c = await client.completions.create({ model: "vllm-model", prompt: "complete me" });
  expect(c.choices[0].text.length).toBeGreaterThan(0);
  const s = await client.completions.create({ model: "vllm-model", prompt: "complete me", stream: true });
  let n = 0;
  for await (const chunk of s) n += chunk.choices.length;
  expect(n).toBeGreaterThan(0);
  const e = await client.embeddings.create({ model: "ollama-model", input: ["a", "b"] });
  expect(e.data).toHaveLength(2);
  expect(e.data[0].embedding.length).toBeGreaterThan(0);
});
