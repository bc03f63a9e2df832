import { afterAll, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { Registry } from "../../../src/upstream/registry.ts";
import { loadedLines } from "../../../src/cli/check-loaded.ts";
import { startMockUpstream } from "../../mock/upstream.ts";

const ollama = await startMockUpstream({
  flavour: "ollama",
  models: ["qwen2.5-coder:14b", "llama3.2"],
  loaded: ["qwen2.5-coder:14b", "llama3.2"],
  ps: { "qwen2.5-coder:14b": { context_length: 4096, size: 100, size_vram: 100 }, "llama3.2": { context_length: 32768, size: 100, size_vram: 50 } },
});
const llama = await startMockUpstream({ flavour: "llamacpp", models: ["m.gguf"], nCtx: 16384 });
const plain = await startMockUpstream({ flavour: "vllm" });
afterAll(async () => {
  for (const m of [ollama, llama, plain]) await m.stop();
});

test("check lists each loaded model's context and GPU share, and warns of a spill onto the CPU", async () => {
  const toml = [ollama, llama, plain].map((m, i) => `[[upstream]]\nname = "u${i}"\nbase_url = "${m.url}"\n`).join("");
  const config = resolveConfig(parseConfigText(toml, "t.toml"), "t.toml", {}, { host: "127.0.0.1", port: 0, dataDir: "/tmp/wf-check" });
  const registry = new Registry(config);
  await registry.refresh();
  expect(await loadedLines(registry)).toEqual([
    "loaded on u0: qwen2.5-coder:14b  context 4096  GPU 100%",
    "loaded on u0: llama3.2  context 32768  GPU 50% (spills onto the CPU: 50% of it runs there, much slower)",
    "warning: a model on u0 does not fit in GPU memory; a smaller quantisation or context (num_ctx) keeps it on the GPU",
    "context on u1: 16384 tokens per request (llama.cpp n_ctx per slot)",
  ]);
});
