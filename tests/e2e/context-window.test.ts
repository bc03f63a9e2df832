// The context a local server really runs (Ollama's /api/ps context_length, llama.cpp's /props
// n_ctx) decides fit: a 20k-token prompt skips a 4k Ollama model for a target that can hold it,
// with the reason in the log; when nothing can hold it the client gets OpenAI's
// context_length_exceeded naming the window and the setting that raises it. /status.json
// shows each loaded model's context and GPU share.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { status, upstreamStatus } from "../helpers/wait.ts";

let ollama: MockUpstream;
let llama: MockUpstream;
let big: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  ollama = await startMockUpstream({
    flavour: "ollama",
    models: ["qwen2.5-coder:14b"],
    loaded: ["qwen2.5-coder:14b"],
    // 9 GB model with 6 GB on the GPU: a third of it runs on the CPU.
    ps: { "qwen2.5-coder:14b": { context_length: 4096, size: 9_000_000_000, size_vram: 6_000_000_000 } },
  });
  llama = await startMockUpstream({ flavour: "llamacpp", models: ["coder.gguf"], nCtx: 8192 });
  big = await startMockUpstream({ flavour: "vllm", models: ["qwen-long"] }); // max_model_len 32768
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\n` +
      upstreamToml("gpu", ollama.url) +
      upstreamToml("cpp", llama.url) +
      upstreamToml("box", big.url) +
      `[models."coder"]\ntargets = ["gpu/qwen2.5-coder:14b", "box/qwen-long"]\n` +
      `[models."small"]\ntargets = ["gpu/qwen2.5-coder:14b", "cpp/coder.gguf"]\n`,
  );
  // The first probe runs at start; this one is awaited, so /api/ps and /props have been read.
  await gw.gateway.health.probeAll();
});
afterAll(async () => {
  for (const x of [gw, ollama, llama, big]) await x.stop();
});

const chat = (model: string, chars: number) =>
  fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "x".repeat(chars) }] }),
  });

const chatPosts = (m: MockUpstream) => m.requests.filter((r) => r.path === "/v1/chat/completions");

test("a 20k-token prompt skips the 4k Ollama model and is served by the target with a large window", async () => {
  const r = await chat("coder", 80_000);
  expect(r.status).toBe(200);
  expect(r.headers.get("x-wayfront-upstream")).toBe("box");
  await r.text();
  expect(chatPosts(ollama)).toHaveLength(0);
  const skip = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "target skipped" && l.target === "gpu/qwen2.5-coder:14b");
  expect(skip?.reason).toBe("request needs ~20000 tokens; context window is 4096 (Ollama runs it with context_length)");
});

test("a short prompt still goes to the local model first", async () => {
  const r = await chat("coder", 400);
  expect(r.headers.get("x-wayfront-upstream")).toBe("gpu");
  await r.text();
});

test("nothing fits: 400 context_length_exceeded naming each window and how to raise it", async () => {
  const r = await chat("small", 80_000);
  expect(r.status).toBe(400);
  const body = (await r.json()) as { error: { code: string; message: string; type: string; param: string } };
  expect(body.error.code).toBe("context_length_exceeded");
  expect(body.error.type).toBe("invalid_request_error");
  expect(body.error.param).toBe("messages");
  expect(body.error.message).toContain("about 20000 tokens");
  expect(body.error.message).toContain("gpu/qwen2.5-coder:14b has a 4096-token window");
  expect(body.error.message).toContain("OLLAMA_CONTEXT_LENGTH=32768");
  expect(body.error.message).toContain("cpp/coder.gguf has a 8192-token window (llama.cpp runs with n_ctx)");
  expect(body.error.message).toContain("--ctx-size 32768");
  expect(chatPosts(ollama)).toHaveLength(1); // only the short prompt above
  expect(chatPosts(llama)).toHaveLength(0);
});

test("a configured context_window still wins over the runtime figure", async () => {
  const cfg = await startTestGateway(
    upstreamToml("gpu", ollama.url, `[upstream.model_info."qwen2.5-coder:14b"]\ncontext_window = 65536`) +
      `[models."coder"]\ntargets = ["gpu/qwen2.5-coder:14b"]\n`,
  );
  try {
    await cfg.gateway.health.probeAll();
    const r = await fetch(`${cfg.v1}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "coder", messages: [{ role: "user", content: "x".repeat(80_000) }] }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-wayfront-upstream")).toBe("gpu");
    await r.text();
  } finally {
    await cfg.stop();
  }
});

test("/status.json shows each loaded model's context and GPU share, flagging a spill onto the CPU", async () => {
  const s = await status(gw.url);
  expect(upstreamStatus(s, "gpu").loaded_models).toEqual([
    { model: "qwen2.5-coder:14b", context: 4096, size: 9_000_000_000, size_vram: 6_000_000_000, vram_percent: 67, spills: true },
  ]);
  expect(upstreamStatus(s, "cpp").loaded_models).toEqual([
    { model: "coder.gguf", context: 8192, size: null, size_vram: null, vram_percent: null, spills: null },
  ]);
  expect(upstreamStatus(s, "gpu").loaded).toEqual(["qwen2.5-coder:14b"]);
});
