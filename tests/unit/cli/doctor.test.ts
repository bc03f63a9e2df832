// doctor against temp CODEX_HOME dirs, one misconfiguration each: it must name the problem
// and quote the line to change.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diagnoseCodex, renderFindings, type Finding, type ListModels } from "../../../src/cli/doctor.ts";
import { codexSnippet } from "../../../src/status/snippets.ts";

const GW = "http://127.0.0.1:4141/v1";
const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

/** A CODEX_HOME with this config.toml; returns what doctor reads from it. */
function codexHome(text: string | null) {
  const home = mkdtempSync(join(tmpdir(), "codex-home-"));
  homes.push(home);
  const configPath = join(home, "config.toml");
  if (text !== null) writeFileSync(configPath, text);
  return { configPath, configText: text === null ? null : readFileSync(configPath, "utf8") };
}

const models = async () => ["coder", "qwen3"];
const down = async () => null;
const GOOD = codexSnippet(GW, "coder").text;
const ENV = { WAYFRONT_API_KEY: "x" };

async function diagnose(text: string | null, env: Record<string, string> = ENV, list: ListModels = models): Promise<Finding[]> {
  return diagnoseCodex({ ...codexHome(text), env }, GW, list);
}

describe("wayfront doctor codex", () => {
  test("the config `wayfront connect codex` prints is fine", async () => {
    expect(await diagnose(GOOD)).toEqual([]);
    expect(renderFindings([], "x")).toContain("ok");
  });

  test("a base URL missing /v1: names it and the line", async () => {
    const f = await diagnose(GOOD.replace(`base_url = "${GW}"`, 'base_url = "http://127.0.0.1:4141"'));
    expect(f).toHaveLength(1);
    expect(f[0].problem).toContain("missing /v1");
    expect(f[0].at).toEqual({ line: 7, text: 'base_url = "http://127.0.0.1:4141"' });
    expect(f[0].fix).toBe(`base_url = "${GW}"`);
  });

  test("a base URL at another server", async () => {
    const f = await diagnose(GOOD.replace(GW, "http://127.0.0.1:11434/v1"), ENV, down);
    expect(f[0].problem).toContain("is not this gateway");
    expect(f[0].at!.line).toBe(7);
  });

  test("env_key variable unset", async () => {
    const f = await diagnose(GOOD, {});
    expect(f.map((x) => x.problem).join()).toContain("env_key WAYFRONT_API_KEY is not set");
    expect(f[0].fix).toBe("export WAYFRONT_API_KEY=wayfront");
  });

  test('wire_api = "chat"', async () => {
    const f = await diagnose(GOOD.replace('wire_api = "responses"', 'wire_api = "chat"'));
    expect(f).toHaveLength(1);
    expect(f[0].problem).toContain('wire_api = "chat"');
    expect(f[0].at).toEqual({ line: 10, text: 'wire_api = "chat"' });
    expect(f[0].fix).toBe('wire_api = "responses"');
  });

  test("a model this gateway does not serve", async () => {
    const f = await diagnose(GOOD.replace('model = "coder"', 'model = "gpt-5.2-codex"'));
    expect(f).toHaveLength(1);
    expect(f[0].problem).toContain('model "gpt-5.2-codex" is not served');
    expect(f[0].at).toEqual({ line: 2, text: 'model = "gpt-5.2-codex"' });
    expect(f[0].fix).toBe('model = "coder"');
  });

  test("a profile overriding model_provider beats OPENAI_BASE_URL", async () => {
    const text = `profile = "work"\n\n[profiles.work]\nmodel_provider = "corp"\nmodel = "coder"\n\n[model_providers.corp]\nbase_url = "https://llm.corp.example/v1"\nwire_api = "responses"\n`;
    const f = await diagnose(text, { OPENAI_BASE_URL: GW });
    const override = f.find((x) => x.problem.includes("is ignored"))!;
    expect(override.problem).toContain('model_provider = "corp" overrides it');
    expect(override.at).toEqual({ line: 4, text: 'model_provider = "corp"' });
    expect(f.some((x) => x.problem.includes("not this gateway"))).toBe(true);
  });

  test("the built-in openai provider: OPENAI_BASE_URL used; OPENAI_API_BASE alone is not read by Codex", async () => {
    expect(await diagnose('model = "coder"\n', { OPENAI_BASE_URL: GW, OPENAI_API_KEY: "k" })).toEqual([]);
    const f = await diagnose('model = "coder"\n', { OPENAI_API_BASE: GW, OPENAI_API_KEY: "k" });
    expect(f[0].problem).toContain("Codex reads OPENAI_BASE_URL");
    expect(f[0].fix).toBe(`export OPENAI_BASE_URL=${GW}`);
  });

  test("no config file and no env: Codex goes to api.openai.com", async () => {
    const f = await diagnose(null, {});
    expect(f[0].problem).toContain("does not exist");
    expect(f[0].fix).toContain("[model_providers.wayfront]");
  });

  test("the gateway not running at that URL", async () => {
    const f = await diagnose(GOOD, ENV, down);
    expect(f[0].problem).toContain("nothing answers");
  });

  test("rendering quotes the path, line number and the replacement", async () => {
    const f = await diagnose(GOOD.replace('wire_api = "responses"', 'wire_api = "chat"'));
    const out = renderFindings(f, "/h/config.toml");
    expect(out).toContain('/h/config.toml:10: wire_api = "chat"');
    expect(out).toContain('change to: wire_api = "responses"');
  });
});
