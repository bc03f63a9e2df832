// A model no reachable upstream lists while an upstream is down: the client gets a 503 that
// names the down upstream and why (not 404 model_not_found), in its own protocol's shape.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

let ollama: MockUpstream;
let other: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  ollama = await startMockUpstream({ flavour: "ollama", models: ["llama3.2"] });
  other = await startMockUpstream({ models: ["other-model"], wire: ["chat", "messages"] });
  ollama.down(); // as in the issue: the embedded default with Ollama not running
  gw = await startTestGateway(upstreamToml("ollama", ollama.url) + upstreamToml("box", other.url));
});
afterAll(async () => {
  await gw.stop();
  await ollama.stop();
  await other.stop();
});

const post = (path: string, body: unknown) =>
  fetch(gw.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });

test("Chat Completions: 503 naming the upstream that is down and why", async () => {
  const r = await post("/v1/chat/completions", { model: "llama3.2", messages: [{ role: "user", content: "hi" }] });
  expect(r.status).toBe(503);
  expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
  const { error } = await r.json();
  expect(error.code).toBe("upstream_unreachable");
  expect(error.type).toBe("server_error");
  expect(error.param).toBe("model");
  expect(error.message).toContain(`ollama at ${ollama.url}: connection refused`);
  expect(error.message).toContain("`llama3.2`");
  // The upstream that answered is not blamed.
  expect(error.message).not.toContain("box at");
});

test("the OpenAI SDK surfaces it as a 503 with the cause", async () => {
  const client = new OpenAI({ baseURL: gw.v1, apiKey: "local", maxRetries: 0 });
  const err = await client.chat.completions.create({ model: "llama3.2", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.InternalServerError);
  expect(err.status).toBe(503);
  expect(err.message).toContain("connection refused");
});

test("Anthropic Messages: the same cause, in Anthropic's error shape", async () => {
  const r = await post("/v1/messages", { model: "llama3.2", max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
  expect(r.status).toBe(503);
  const body = await r.json();
  expect(body.type).toBe("error");
  expect(body.error.type).toBe("api_error");
  expect(body.error.message).toContain(`ollama at ${ollama.url}: connection refused`);
});

test("an upstream that answers GET /models with an error is up, not down: a plain 404", async () => {
  const keyed = await startMockUpstream({ models: ["k"], apiKey: "right" });
  const g = await startTestGateway(upstreamToml("keyed", keyed.url, `api_key_env = "K"`), { env: { K: "wrong" } });
  try {
    expect(g.gateway.registry.get("keyed")!.lastError).toBe("GET /models answered 401");
    const r = await fetch(g.url + "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "nope", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(r.status).toBe(404);
    expect((await r.json()).error.code).toBe("model_not_found");
  } finally {
    await g.stop();
    await keyed.stop();
  }
});

test("once every upstream answers, an unknown model is a plain 404 model_not_found again", async () => {
  await ollama.up();
  await gw.gateway.registry.refresh();
  const r = await post("/v1/chat/completions", { model: "no-such-model", messages: [{ role: "user", content: "hi" }] });
  expect(r.status).toBe(404);
  expect((await r.json()).error.code).toBe("model_not_found");
  const served = await post("/v1/chat/completions", { model: "llama3.2", messages: [{ role: "user", content: "hi" }] });
  expect(served.status).toBe(200);
});
