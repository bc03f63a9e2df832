import { expect, test } from "bun:test";
import { loadConfigFile } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { platformDataDir } from "../../../src/config/defaults.ts";

test("no config file: a local Ollama, plus OpenAI as cloud fallback when WAYFRONT_OPENAI_API_KEY is set", async () => {
  const without = await loadConfigFile(undefined, {});
  const a = resolveConfig(without.raw, without.source, {});
  expect(a.upstreams.map((u) => [u.name, u.tier, u.baseUrl])).toEqual([["ollama", "local", "http://127.0.0.1:11434/v1"]]);
  const env = { WAYFRONT_OPENAI_API_KEY: "sk-x" };
  const withKey = await loadConfigFile(undefined, env);
  const b = resolveConfig(withKey.raw, withKey.source, env);
  expect(b.upstreams[1].apiKey?.reveal()).toBe("sk-x");
  expect(b.upstreams.map((u) => [u.name, u.tier])).toEqual([
    ["ollama", "local"],
    ["openai", "cloud"],
  ]);
  expect(b.server.port).toBe(4141);
  expect(b.server.host).toBe("127.0.0.1");
});

test("OPENAI_API_KEY=local, which the README tells SDK users to set, adds no cloud upstream", async () => {
  const env = { OPENAI_API_KEY: "local" };
  const f = await loadConfigFile(undefined, env);
  expect(resolveConfig(f.raw, f.source, env).upstreams.map((u) => u.name)).toEqual(["ollama"]);
});

test("--demo adds the fake demo upstream", async () => {
  const f = await loadConfigFile(undefined, {});
  const c = resolveConfig(f.raw, f.source, {}, { demo: true });
  expect(c.upstreams.find((u) => u.demo)?.name).toBe("demo");
});

test("platform data dirs", () => {
  expect(platformDataDir({ XDG_DATA_HOME: "/x" }, "linux")).toBe("/x/wayfront");
  expect(platformDataDir({ LOCALAPPDATA: "C:/L" }, "win32")).toContain("wayfront");
  expect(platformDataDir({}, "darwin")).toContain("Library/Application Support/wayfront");
});

test("a missing config file is a clear error", async () => {
  await expect(loadConfigFile("/nonexistent/wayfront.toml", {})).rejects.toThrow("config file not found");
});
