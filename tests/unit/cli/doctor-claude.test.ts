// `wayfront doctor claude-code`: one misconfiguration per case, each named with its fix; the
// route check is the gateway's own (a real gateway and its count_tokens endpoint).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { askGateway, diagnoseClaude, renderClaudeFindings, type RouteCheck } from "../../../src/cli/doctor-claude.ts";
import { connectText } from "../../../src/cli/connect.ts";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../../helpers/gateway.ts";

let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  gw = await startTestGateway(upstreamToml("gpu", mock.url) + `[models."claude-*"]\ntargets = ["gpu/m"]\n[models."coder"]\ntargets = ["gpu/m"]\n`);
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const setup = (env: Record<string, string>, settingsText: string | null = null) => ({ env, settingsPath: "/h/.claude/settings.json", settingsText });
const problems = async (env: Record<string, string>, settings: string | null = null, check: RouteCheck = askGateway) =>
  (await diagnoseClaude(setup(env, settings), gw.v1, check)).map((f) => `${f.problem} => ${f.fix}`);

describe("wayfront doctor claude-code", () => {
  test("what `wayfront connect claude-code` prints passes", async () => {
    const text = connectText("claude-code", gw.v1, "coder");
    const env: Record<string, string> = {};
    for (const m of text.matchAll(/^export (\w+)=(\S+)/gm)) env[m[1]] = m[2];
    expect(env.ANTHROPIC_BASE_URL).toBe(gw.url);
    expect(env.ANTHROPIC_MODEL).toBe("coder");
    expect(await problems(env)).toEqual([]);
    expect(renderClaudeFindings([], gw.v1, "coder")).toStartWith("ok:");
  });

  test("no base URL, a doubled /v1, another host", async () => {
    expect((await problems({ ANTHROPIC_AUTH_TOKEN: "k" }))[0]).toContain("ANTHROPIC_BASE_URL is unset");
    const v1 = await problems({ ANTHROPIC_BASE_URL: `${gw.url}/v1`, ANTHROPIC_AUTH_TOKEN: "k" });
    expect(v1[0]).toContain("/v1/v1/messages");
    expect(v1[0]).toEndWith(`export ANTHROPIC_BASE_URL=${gw.url}`);
    expect((await problems({ ANTHROPIC_BASE_URL: "http://10.9.9.9:1", ANTHROPIC_AUTH_TOKEN: "k" }))[0]).toContain("is not this gateway");
  });

  test("a model nothing serves is named, with the alias that would serve it", async () => {
    const found = await problems({ ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: "k", ANTHROPIC_MODEL: "qwen-nope" });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('model "qwen-nope" is not served');
    expect(found[0]).toContain('[models."claude-*"]');
    // Claude's own default name is served through the claude-* alias.
    expect(await problems({ ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: "k" })).toEqual([]);
    const small = await problems({ ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: "k", ANTHROPIC_DEFAULT_HAIKU_MODEL: "tiny-nope" });
    expect(small[0]).toContain('"tiny-nope"');
  });

  test("no token, or both", async () => {
    expect((await problems({ ANTHROPIC_BASE_URL: gw.url }))[0]).toContain("neither ANTHROPIC_AUTH_TOKEN nor ANTHROPIC_API_KEY");
    expect((await problems({ ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: "a", ANTHROPIC_API_KEY: "b" }))[0]).toContain("both");
  });

  test("settings.json's env counts, and a broken one is said", async () => {
    const fromSettings = JSON.stringify({ env: { ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: "k" } });
    expect(await problems({}, fromSettings)).toEqual([]);
    expect((await problems({ ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: "k" }, "{nope"))[0]).toContain("not valid JSON");
  });

  test("a gateway that is not running", async () => {
    const down: RouteCheck = async () => "unreachable";
    expect((await problems({ ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: "k" }, null, down))[0]).toContain("is `wayfront serve` running");
    expect(await askGateway("http://127.0.0.1:9", "m", undefined)).toBe("unreachable");
  });
});
