// Warm first, then least loaded, across two local GPU boxes; capability and context fit
// filter Wayfront's own picks but never the model the client named; the wildcard alias.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { status, until, upstreamStatus } from "../helpers/wait.ts";

let boxA: MockUpstream;
let boxB: MockUpstream;
let text: MockUpstream;
let cloud: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  // Ollama boxes report what they have loaded at /api/ps: B has the model warm, A doesn't.
  boxA = await startMockUpstream({ flavour: "ollama", models: ["qwen", "llama"], loaded: ["llama"] });
  boxB = await startMockUpstream({ flavour: "ollama", models: ["qwen", "llama"], loaded: ["qwen", "llama"] });
  text = await startMockUpstream({ models: ["small"] });
  cloud = await startMockUpstream({ models: ["big"] });
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\n` +
      upstreamToml("a", boxA.url) +
      upstreamToml("b", boxB.url) +
      upstreamToml("text", text.url, `[upstream.model_info.small]\ncontext_window = 200\ncapabilities = ["tools"]`) +
      upstreamToml("cloud", cloud.url, `tier = "cloud"`) +
      `[models."qwen-any"]\ntargets = ["a/qwen", "b/qwen"]\n` +
      `[models."llama-any"]\ntargets = ["a/llama", "b/llama"]\n` +
      `[models."helper"]\ntargets = ["text/small", "cloud/big"]\n` +
      `[models."*"]\ntargets = ["a/llama"]\n`,
  );
  await until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "b").loaded !== null && upstreamStatus(s, "a").loaded !== null,
    "the /api/ps probes",
  );
});
afterAll(async () => {
  for (const x of [gw, boxA, boxB, text, cloud]) await x.stop();
});

const chat = (model: string, content: unknown, extra: object = {}, signal?: AbortSignal) =>
  fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    signal,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }], ...extra }),
  });

test("warm first: the box that has the model loaded serves it, though configured second", async () => {
  const r = await chat("qwen-any", "x");
  expect(r.headers.get("x-wayfront-upstream")).toBe("b");
});

test("then least loaded: with both warm, a busy box yields to an idle one", async () => {
  const ctl = new AbortController();
  const hold = chat("a/llama+hang", "hold", {}, ctl.signal).catch(() => null);
  await until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "a").outstanding === 1,
    "box A to be busy",
  );
  const r = await chat("llama-any", "x");
  expect(r.headers.get("x-wayfront-upstream")).toBe("b");
  ctl.abort();
  await hold;
  await until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "a").outstanding === 0,
    "box A to be idle",
  );
  const idle = await chat("llama-any", "x");
  expect(idle.headers.get("x-wayfront-upstream")).toBe("a"); // equal again: configured order
});

test("an image request never lands on a text-only fallback", async () => {
  const image = [
    { type: "text", text: "what is this?" },
    { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
  ];
  const r = await chat("helper", image);
  expect(r.headers.get("x-wayfront-upstream")).toBe("cloud");
  const plain = await chat("helper", "just text");
  expect(plain.headers.get("x-wayfront-upstream")).toBe("text");
});

test("a prompt bigger than the local context window skips it", async () => {
  const r = await chat("helper", "word ".repeat(400));
  expect(r.headers.get("x-wayfront-upstream")).toBe("cloud");
});

test("the model the client named itself is never filtered", async () => {
  const image = [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }];
  const r = await chat("text/small", image);
  expect(r.headers.get("x-wayfront-upstream")).toBe("text");
});

test("the wildcard alias sends any other model name to the local default", async () => {
  const r = await chat("gpt-5.2-codex", "substitute me");
  expect(r.headers.get("x-wayfront-upstream")).toBe("a");
  const sent = boxA.requests.at(-1)!;
  expect(sent.body.model).toBe("llama");
  expect((await r.json()).choices[0].message.content).toContain("substitute me");
});
