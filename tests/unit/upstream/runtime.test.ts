import { describe, expect, test } from "bun:test";
import { describeLoaded, gpuShare, parseProps, parsePs } from "../../../src/upstream/runtime.ts";

describe("parsePs (Ollama /api/ps)", () => {
  test("reads each loaded model's context_length, size and size_vram", () => {
    const body = {
      models: [
        { name: "qwen2.5-coder:14b", model: "qwen2.5-coder:14b", size: 9e9, size_vram: 9e9, context_length: 4096 },
        { name: "llama3.2", model: "llama3.2", size: 3e9 },
      ],
    };
    expect(parsePs(body)).toEqual([
      { model: "qwen2.5-coder:14b", context: 4096, size: 9e9, sizeVram: 9e9 },
      { model: "llama3.2", context: null, size: 3e9, sizeVram: null },
    ]);
  });

  test("an older Ollama without context_length, or a body of another shape, yields what it can", () => {
    expect(parsePs({ models: [{ name: "a", context_length: 0 }, "junk", {}] })).toEqual([{ model: "a", context: null, size: null, sizeVram: null }]);
    expect(parsePs({ error: "nope" })).toEqual([]);
    expect(parsePs(null)).toEqual([]);
  });
});

describe("parseProps (llama.cpp /props)", () => {
  test("recent builds: default_generation_settings.n_ctx; older: top-level n_ctx", () => {
    expect(parseProps({ default_generation_settings: { n_ctx: 8192 }, total_slots: 1 })).toBe(8192);
    expect(parseProps({ n_ctx: 4096 })).toBe(4096);
    expect(parseProps({ default_generation_settings: {} })).toBeNull();
    expect(parseProps("x")).toBeNull();
  });
});

describe("gpuShare", () => {
  test("all in VRAM: 100 %, no spill", () => {
    expect(gpuShare({ model: "m", context: 1, size: 100, sizeVram: 100 })).toEqual({ vramPercent: 100, spills: false });
  });
  test("part on the CPU is a spill; nothing on the GPU is 0 %", () => {
    expect(gpuShare({ model: "m", context: 1, size: 300, sizeVram: 200 })).toEqual({ vramPercent: 67, spills: true });
    expect(gpuShare({ model: "m", context: 1, size: 300, sizeVram: 0 })).toEqual({ vramPercent: 0, spills: true });
  });
  test("unknown sizes are unknown, not 0 %", () => {
    expect(gpuShare({ model: "m", context: 1, size: null, sizeVram: null })).toEqual({ vramPercent: null, spills: null });
  });
});

test("describeLoaded says the context and flags a spill in words", () => {
  expect(describeLoaded({ model: "q", context: 4096, size: 10, sizeVram: 10 })).toBe("q  context 4096  GPU 100%");
  expect(describeLoaded({ model: "q", context: 4096, size: 10, sizeVram: 6 })).toBe(
    "q  context 4096  GPU 60% (spills onto the CPU: 40% of it runs there, much slower)",
  );
  expect(describeLoaded({ model: "q", context: null, size: null, sizeVram: null })).toBe("q  context ?");
});
