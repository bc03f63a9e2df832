// Every kind of bad input gets a clear OpenAI-shaped error with the right status, and no
// secret or stack trace ever reaches the client.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

let mock: MockUpstream;
let gw: TestGateway;
const SECRET = "sk-upstream-very-secret-123456";

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], apiKey: SECRET });
  const toml =
    `[server]\nbody_limit = "64KiB"\n` +
    upstreamToml("gpu", mock.url, `api_key_env = "GPU_KEY"`) +
    upstreamToml("wrongkey", mock.url, `api_key_env = "WRONG_KEY"`) +
    upstreamToml("dead", "http://127.0.0.1:9/v1", `models = ["dead-model"]`);
  gw = await startTestGateway(toml, { env: { GPU_KEY: SECRET, WRONG_KEY: "sk-wrong-but-still-secret-999" } });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

async function post(path: string, body: string | object, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text), headers: res.headers };
}

function expectOpenAiError(json: any) {
  expect(Object.keys(json)).toEqual(["error"]);
  expect(Object.keys(json.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(typeof json.error.message).toBe("string");
  expect(json.error.message).not.toMatch(/\bat .*\.ts:\d+/); // no stack frames
}

test("malformed JSON → 400 invalid_json", async () => {
  const r = await post("/v1/chat/completions", '{"model": "m", "messages": [');
  expect(r.status).toBe(400);
  expectOpenAiError(r.json);
  expect(r.json.error.code).toBe("invalid_json");
  expect(r.json.error.type).toBe("invalid_request_error");
});

test("a body that is not an object → 400", async () => {
  const r = await post("/v1/chat/completions", "[1,2]");
  expect(r.status).toBe(400);
  expectOpenAiError(r.json);
});

test("missing model → 400 naming the param", async () => {
  const r = await post("/v1/chat/completions", { messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(400);
  expectOpenAiError(r.json);
  expect(r.json.error.param).toBe("model");
});

test("wrong field types → 400 naming the param", async () => {
  for (const [path, body, param] of [
    ["/v1/chat/completions", { model: 5, messages: [] }, "model"],
    ["/v1/chat/completions", { model: "m", messages: "hello" }, "messages"],
    ["/v1/chat/completions", { model: "m", messages: [], stream: "yes" }, "stream"],
    ["/v1/embeddings", { model: "m", input: 42 }, "input"],
    ["/v1/completions", { model: "m" }, "prompt"],
  ] as const) {
    const r = await post(path, body);
    expect(r.status).toBe(400);
    expectOpenAiError(r.json);
    expect(r.json.error.param).toBe(param);
  }
});

test("unknown model → 404 that says how to list models", async () => {
  const r = await post("/v1/chat/completions", { model: "gpt-nope", messages: [] });
  expect(r.status).toBe(404);
  expectOpenAiError(r.json);
  expect(r.json.error.code).toBe("model_not_found");
  expect(r.json.error.message).toContain("GET /v1/models");
});

test("a body over the limit → 413, declared or chunked", async () => {
  const big = JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(70 * 1024) }] });
  const r = await post("/v1/chat/completions", big);
  expect(r.status).toBe(413);
  expectOpenAiError(r.json);
  // Chunked: no content-length, the gateway counts as it reads.
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '{"model":"m","messages":[],"x":"' : "y".repeat(10 * 1024)));
      c.close();
    },
  });
  const res = await fetch(gw.url + "/v1/chat/completions", { method: "POST", body: stream, headers: { "content-type": "application/json" } });
  expect(res.status).toBe(413);
  expectOpenAiError(await res.json());
});

test("unknown paths → 404, wrong methods → 405 with Allow", async () => {
  const a = await fetch(gw.url + "/v1/nothing-here");
  expect(a.status).toBe(404);
  expectOpenAiError(await a.json());
  const b = await fetch(gw.url + "/v1/chat/completions");
  expect(b.status).toBe(405);
  expect(b.headers.get("allow")).toBe("POST");
  expectOpenAiError(await b.json());
  const c = await fetch(gw.url + "/v1/models", { method: "DELETE" });
  expect(c.status).toBe(405);
});

test("an unreachable upstream → 502 naming the upstream and the cause", async () => {
  const r = await post("/v1/chat/completions", { model: "dead/dead-model", messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(502);
  expectOpenAiError(r.json);
  expect(r.json.error.message).toContain("`dead`");
  expect(r.json.error.message).toContain("connection refused");
  const s = await post("/v1/chat/completions", { model: "dead/dead-model", stream: true, messages: [{ role: "user", content: "x" }] });
  expect(s.status).toBe(502);
});

test("an upstream's own 4xx is passed on with its status, naming the upstream", async () => {
  const r = await post("/v1/chat/completions", { model: "gpu/m+error:400", messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(400);
  expectOpenAiError(r.json);
  expect(r.json.error.message).toContain("`gpu`");
});

test("upstream 5xx → an error with the upstream's status, and Retry-After kept on 429", async () => {
  const r = await post("/v1/chat/completions", { model: "gpu/m+error:503", messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(503);
  expectOpenAiError(r.json);
  const t = await post("/v1/chat/completions", { model: "gpu/m+error:429+retry-after:7", messages: [{ role: "user", content: "x" }] });
  expect(t.status).toBe(429);
  expect(t.headers.get("retry-after")).toBe("7");
});

test("secrets never leave: not in responses, headers or logs, even when the upstream rejects the key", async () => {
  const r = await post("/v1/chat/completions", { model: "wrongkey/m", messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(401);
  const ok = await fetch(gw.url + "/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify({ model: "gpu/m", messages: [{ role: "user", content: "x" }] }),
  });
  const all = r.text + JSON.stringify([...r.headers]) + (await ok.text()) + JSON.stringify([...ok.headers]) + gw.logs.join("\n");
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain("sk-wrong-but-still-secret-999");
});

test("the official SDK surfaces gateway errors as typed APIErrors", async () => {
  const client = new OpenAI({ baseURL: gw.v1, apiKey: "x", maxRetries: 0 });
  const err = await client.chat.completions.create({ model: "gpt-nope", messages: [{ role: "user", content: "x" }] }).then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  expect(err.code).toBe("model_not_found");
});

test("errors say they were not cached, like every answer of these endpoints", async () => {
  const r = await post("/v1/chat/completions", "{nope");
  expect(r.headers.get("x-wayfront-cache")).toBe("BYPASS");
  expect(r.headers.get("age")).toBe("0");
  expect(r.headers.get("x-wayfront-request-id")).toMatch(/^wf-/);
});
