import { expect, test } from "bun:test";
import { ConfigError, parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { durationMs, sizeBytes } from "../../../src/config/units.ts";

const fail = (toml: string) => {
  try {
    parseConfigText(toml, "t.toml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected the config to be rejected");
};

test("config.example.toml holds every key and is valid", async () => {
  const text = await Bun.file(new URL("../../../config.example.toml", import.meta.url)).text();
  const raw = parseConfigText(text, "config.example.toml");
  const c = resolveConfig(raw, "config.example.toml", { OPENAI_API_KEY: "sk-x", WAYFRONT_REDIS_URL: "redis://127.0.0.1:6379" });
  expect(c.upstreams.map((u) => u.name)).toEqual(["gpu", "openai"]);
  expect(c.aliases.get("gpt-5.2-codex")!.targets[0]).toEqual({ upstream: "gpu", model: "qwen2.5-coder:14b" });
  expect(c.cache.ttlMs).toBe(7 * 86_400_000);
});

test("a wrong type names the key path", () => {
  expect(fail(`[server]\nport = "x"\n`)).toContain("`server.port`");
  expect(fail(`[[upstream]]\nname = "a"\nbase_url = "http://x"\ntier = "gpu"\n`)).toContain('`upstream[0].tier`: expected one of "local", "cloud"');
});

test("an unknown key stops start-up, naming it, with the likely fix", () => {
  expect(fail(`[server]\nprot = 1\n`)).toContain("unknown key `server.prot`: did you mean `port`?");
  expect(fail(`[[upstream]]\nname = "gpu"\nbase_url = "http://h/v1"\nfrist_byte_timeout = "1s"\n`)).toContain("did you mean `first_byte_timeout`?");
  expect(fail(`[[upstream]]\nname = "gpu"\nbase_url = "http://h/v1"\napi_key = "sk-x"\n`)).toContain('api_key_env = "OPENAI_API_KEY"');
  expect(fail(`[server]\nzzzzzz = 1\n`)).not.toContain("did you mean");
  expect(fail(`[[upstream]]\nname = "a"\nbase_url = "http://x"\nfrist_byte_timeout = 1\n`)).toContain("upstream[0].frist_byte_timeout");
  expect(fail(`[models."gpt-5.2"]\ntargets = ["a/b"]\nbogus = 1\n`)).toContain('models."gpt-5.2".bogus');
});

test("invalid TOML is reported as such", () => {
  expect(fail(`[server\n`)).toContain("not valid TOML");
});

test("an alias naming an unknown upstream is rejected", () => {
  const raw = parseConfigText(`[models.x]\ntargets = ["nope/m"]\n`, "t.toml");
  expect(() => resolveConfig(raw, "t.toml", {})).toThrow("names upstream `nope`");
});

test("secrets come from env vars and never print", () => {
  const raw = parseConfigText(`[[upstream]]\nname = "o"\nbase_url = "https://api.example/v1"\napi_key_env = "K"\n`, "t.toml");
  const c = resolveConfig(raw, "t.toml", { K: "sk-secret-value" });
  expect(c.upstreams[0].apiKey!.reveal()).toBe("sk-secret-value");
  expect(JSON.stringify(c.upstreams[0])).not.toContain("sk-secret-value");
  expect(`${c.upstreams[0].apiKey}`).not.toContain("sk-secret-value");
  expect(Bun.inspect(c.upstreams[0])).not.toContain("sk-secret-value");
});

test("the embedded default: a local Ollama, plus OpenAI only when its key is set", () => {
  const bare = resolveConfig(parseConfigText("", "x"), "x", {});
  expect(bare.upstreams).toHaveLength(0);
});

test("server.keep_free_disk: auto by default, a size, or 0 to let the stores fill the disk up to their max_bytes", () => {
  const keep = (toml: string) => resolveConfig(parseConfigText(toml, "t.toml"), "t.toml", {}).server.keepFreeDisk;
  expect(keep("")).toBe("auto");
  expect(keep('[server]\nkeep_free_disk = "auto"\n')).toBe("auto");
  expect(keep('[server]\nkeep_free_disk = "2GiB"\n')).toBe(2 * 1024 ** 3);
  expect(keep("[server]\nkeep_free_disk = 0\n")).toBe(0);
  expect(fail('[server]\nkeep_free_disk = "lots"\n')).toContain("server.keep_free_disk");
});

test("durations and sizes", () => {
  expect(durationMs(1.5, 0)).toBe(1500);
  expect(durationMs("250ms", 0)).toBe(250);
  expect(durationMs("2m", 0)).toBe(120_000);
  expect(durationMs(undefined, 7)).toBe(7);
  expect(sizeBytes("32MiB", 0)).toBe(32 * 1024 * 1024);
  expect(sizeBytes("1KB", 0)).toBe(1000);
});
