// The starter config `wayfront init` writes: the coder model picked, aliases for the agents'
// names, cloud blocks, and always a file the real loader accepts.
import { expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { PLACEHOLDER_MODEL, paramsOf, pickCoder, starterConfig, type StarterInput } from "../../../src/config/starter.ts";
import { resolveRoute } from "../../../src/router/resolve.ts";
import { Registry } from "../../../src/upstream/registry.ts";

const load = (text: string, env: Record<string, string> = {}) => resolveConfig(parseConfigText(text, "/tmp/starter.toml"), "/tmp/starter.toml", env);
const input = (over: Partial<StarterInput> = {}): StarterInput => ({
  gpuUrl: "http://192.168.1.20:11434/v1",
  models: [{ id: "llama3.2:3b" }, { id: "qwen2.5-coder:7b" }, { id: "qwen2.5-coder:14b" }, { id: "nomic-embed-text" }],
  probeError: null,
  cloud: null,
  ...over,
});

test("the coder model: a name with 'coder' first, then the largest; never an embedding model", () => {
  expect(pickCoder(input().models)).toBe("qwen2.5-coder:14b");
  expect(pickCoder([{ id: "llama3.1:8b" }, { id: "llama3.1:70b" }, { id: "mxbai-embed-large:335m" }])).toBe("llama3.1:70b");
  // Sizes on disk (Ollama's /api/tags) beat what the names say.
  expect(
    pickCoder([
      { id: "a:7b", bytes: 9e9 },
      { id: "b:14b", bytes: 4e9 },
    ]),
  ).toBe("a:7b");
  expect(pickCoder([{ id: "nomic-embed-text" }])).toBeNull();
  expect(paramsOf("Qwen2.5-Coder-32B-Instruct")).toBe(32);
  expect(paramsOf("llama3.2")).toBe(0);
});

test("local only: both agents' names go to the coder model, and the file loads", async () => {
  const c = load(starterConfig(input()));
  expect(c.upstreams.map((u) => [u.name, u.tier, u.baseUrl])).toEqual([["gpu", "local", "http://192.168.1.20:11434/v1"]]);
  expect(c.aliases.get("gpt-5.2-codex")!.targets).toEqual([{ upstream: "gpu", model: "qwen2.5-coder:14b" }]);
  // Claude Code's names, whatever version, reach the same model through the prefix alias.
  const route = await resolveRoute("claude-haiku-4-5-20251001", c, new Registry(c));
  expect(route.targets).toEqual([{ upstream: "gpu", model: "qwen2.5-coder:14b" }]);
});

test("--cloud openai: the OpenAI block, as the fallback of the Codex alias", () => {
  const text = starterConfig(input({ cloud: "openai" }));
  const c = load(text, { OPENAI_API_KEY: "sk-x" });
  const openai = c.upstreams.find((u) => u.name === "openai")!;
  expect([openai.baseUrl, openai.tier, openai.apiKeyEnv, openai.apiKeyHeader]).toEqual([
    "https://api.openai.com/v1",
    "cloud",
    "OPENAI_API_KEY",
    "authorization",
  ]);
  expect(c.aliases.get("gpt-5.2-codex")!.targets.map((t) => t.upstream)).toEqual(["gpu", "openai"]);
  expect(c.aliases.get("claude-*")!.targets.map((t) => t.upstream)).toEqual(["gpu"]);
});

test("--cloud anthropic: x-api-key, the Messages wire, as the fallback of the claude-* alias", () => {
  const c = load(starterConfig(input({ cloud: "anthropic" })));
  const a = c.upstreams.find((u) => u.name === "anthropic")!;
  expect([a.baseUrl, a.tier, a.apiKeyEnv, a.apiKeyHeader, a.wire]).toEqual([
    "https://api.anthropic.com/v1",
    "cloud",
    "ANTHROPIC_API_KEY",
    "x-api-key",
    ["messages"],
  ]);
  expect(c.aliases.get("claude-*")!.targets).toEqual([
    { upstream: "gpu", model: "qwen2.5-coder:14b" },
    { upstream: "anthropic", model: "claude-sonnet-4-5" },
  ]);
});

test("a box that could not be asked: a placeholder model and the reason, in a file that still loads", () => {
  const text = starterConfig(input({ models: [], probeError: "connection refused (is the server running?)" }));
  expect(text).toContain("Could not ask http://192.168.1.20:11434/v1 for its models (connection refused");
  expect(load(text).aliases.get("gpt-5.2-codex")!.targets[0].model).toBe(PLACEHOLDER_MODEL);
});

test("odd model names are quoted safely", () => {
  const c = load(starterConfig(input({ models: [{ id: 'we"ird\\coder' }] })));
  expect(c.aliases.get("gpt-5.2-codex")!.targets[0].model).toBe('we"ird\\coder');
});
