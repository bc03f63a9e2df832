import { expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { Registry } from "../../../src/upstream/registry.ts";
import { contextWindowOf, raiseHint, suggestedWindow } from "../../../src/upstream/context-window.ts";

function registry(extra = "") {
  const toml = `[[upstream]]\nname = "gpu"\nbase_url = "http://127.0.0.1:9/v1"\n${extra}`;
  const config = resolveConfig(parseConfigText(toml, "t.toml"), "t.toml", {}, { host: "127.0.0.1", port: 0, dataDir: "/tmp/wf-ctx" });
  return new Registry(config);
}

test("configured model_info wins, then Ollama's runtime figure, then llama.cpp's, then /models", () => {
  const r = registry();
  const s = r.get("gpu")!;
  expect(contextWindowOf(s, "m")).toBeNull();
  s.reported.set("m", { contextWindow: 32768 });
  expect(contextWindowOf(s, "m")).toEqual({ tokens: 32768, source: "reported" });
  s.serverContext = 8192;
  expect(contextWindowOf(s, "m")).toEqual({ tokens: 8192, source: "llamacpp" });
  s.runtime.set("m", 4096);
  expect(contextWindowOf(s, "m")).toEqual({ tokens: 4096, source: "ollama" });
  expect(r.infoOf("gpu", "m").contextWindow).toBe(4096);

  const c = registry(`[upstream.model_info.m]\ncontext_window = 65536\n`).get("gpu")!;
  c.runtime.set("m", 4096);
  expect(contextWindowOf(c, "m")).toEqual({ tokens: 65536, source: "config" });
});

test("a model_info naming only capabilities keeps the window the server reports", () => {
  const r = registry(`[upstream.model_info.m]\ncapabilities = ["tools"]\n`);
  r.get("gpu")!.reported.set("m", { contextWindow: 32768 });
  expect(r.infoOf("gpu", "m")).toEqual({ contextWindow: 32768, capabilities: ["tools"] });
});

test("the hint names each server's own setting, sized to hold the request", () => {
  expect(suggestedWindow(100)).toBe(8192);
  expect(suggestedWindow(20_000)).toBe(32768);
  expect(suggestedWindow(65_536)).toBe(65536);
  expect(raiseHint("gpu", "q", { tokens: 4096, source: "ollama" }, 40_000)).toContain("OLLAMA_CONTEXT_LENGTH=65536");
  expect(raiseHint("gpu", "q", { tokens: 4096, source: "ollama" }, 40_000)).toContain("num_ctx 65536");
  expect(raiseHint("cpp", "q", { tokens: 4096, source: "llamacpp" }, 9000)).toContain("--ctx-size 16384 (-c 16384");
  expect(raiseHint("v", "q", { tokens: 4096, source: "reported" }, 9000)).toContain("--max-model-len 16384");
  expect(raiseHint("gpu", "q", { tokens: 4096, source: "config" }, 9000)).toContain('[upstream.model_info."q"] context_window on upstream gpu');
});
