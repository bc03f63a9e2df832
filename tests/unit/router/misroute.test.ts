import { expect, test } from "bun:test";
import { closest, describeMisroute, misroutes } from "../../../src/router/misroute.ts";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { Registry } from "../../../src/upstream/registry.ts";

test("a target whose upstream lists other models is named, with the closest names it lists", () => {
  const config = resolveConfig(
    parseConfigText(
      `[[upstream]]\nname = "gpu"\nbase_url = "http://127.0.0.1:9/v1"\n[[upstream]]\nname = "cloud"\nbase_url = "http://127.0.0.1:8/v1"\ntier = "cloud"\n` +
        `[models."coder"]\ntargets = ["gpu/qwen2.5-coder:7b", "cloud/gpt-4o"]\n[models."ok"]\ntargets = ["gpu/llama3.2"]\n`,
      "t.toml",
    ),
    "t.toml",
    {},
    { host: "127.0.0.1", port: 0, dataDir: "/tmp/wf-misroute" },
  );
  const registry = new Registry(config);
  const gpu = registry.get("gpu")!;
  gpu.models = new Set(["qwen2.5-coder:14b", "llama3.2", "nomic-embed-text"]);
  gpu.modelsAt = 1;
  // cloud's list is unknown (never fetched): nothing to judge by.
  const found = misroutes(config, registry);
  expect(found).toEqual([{ alias: "coder", upstream: "gpu", model: "qwen2.5-coder:7b", suggestions: ["qwen2.5-coder:14b"] }]);
  expect(describeMisroute(found[0])).toContain("did you mean qwen2.5-coder:14b?");
});

test("closest: same name with another tag first, then small edit distance; nothing far away", () => {
  expect(closest("llama3.1", ["llama3.2", "mistral", "qwen3"])).toEqual(["llama3.2"]);
  // Both tags of qwen3 come first, the nearer one first; qwen2.5:7b is too far to suggest.
  expect(closest("qwen3:8b", ["qwen3:14b", "qwen3:4b", "qwen2.5:7b"])).toEqual(["qwen3:4b", "qwen3:14b"]);
  expect(closest("gpt-4o", ["llama3.2", "nomic-embed-text"])).toEqual([]);
});
