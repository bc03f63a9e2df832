// The real Claude Code CLI (npm @anthropic-ai/claude-code, pinned) through Wayfront's Messages
// ingress: to a chat-only upstream (translated both ways), to a Messages-speaking one
// (passed through), and to an Anthropic-shaped cloud when the local one fails. Claude itself
// judges every stream it gets; the upstreams' recordings show what reached them.
import { expect, test } from "bun:test";
import { onOneDay, stopsAfterEach, transcript } from "../helpers/cli-run.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { echoText } from "../mock/answer-plan.ts";
import { startMockUpstream, type MockUpstream, type RecordedRequest } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { claudeExec } from "./claude-exec.ts";
import { resultText, startBashChatScript, startToolScriptMessages } from "./tool-script-messages.ts";

const RUN_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 90_000;
const CLOUD_KEY = "sk-ant-cloud-secret";

const stops = stopsAfterEach();

async function gateway(toml: string, env: Record<string, string> = {}): Promise<TestGateway> {
  const gw = await startTestGateway(`[health]\ninterval = "1h"\n${toml}`, { env });
  stops.push(() => gw.stop());
  return gw;
}

async function mock(o: Parameters<typeof startMockUpstream>[0]): Promise<MockUpstream> {
  const m = await startMockUpstream(o);
  stops.push(() => m.stop());
  return m;
}

const posts = (requests: RecordedRequest[], path: string) => requests.filter((r) => r.method === "POST" && r.path === path);
const systemText = (body: any): string => JSON.stringify(body.system ?? body.messages?.filter((m: any) => m.role === "system"));

/** Claude Code's default model name (no ANTHROPIC_MODEL), mapped by a prefix alias. */
const CLAUDE_ALIAS = (targets: string) => `[models."claude-*"]\ntargets = [${targets}]\n`;

test(
  "a text turn on a chat-only upstream: Claude's default model through the claude-* alias, translated both ways",
  async () => {
    const gpu = await mock({ models: ["m"], wire: ["chat"] });
    const gw = await gateway(upstreamToml("gpu", gpu.url) + CLAUDE_ALIAS(`"gpu/m"`));
    const prompt = "Reply with WF-CLAUDE-GW-1";

    const run = await claudeExec({ baseUrl: gw.url, authToken: "wayfront", prompt, timeoutMs: RUN_TIMEOUT_MS });

    expect(run.code, transcript(run)).toBe(0);
    // The chat mock echoes the whole last user message: Claude's <system-reminder>, then the prompt.
    expect(run.stdout, transcript(run)).toStartWith("Echo: ");
    expect(run.stdout, transcript(run)).toContain(prompt);
    const [chat] = posts(gpu.requests, "/v1/chat/completions");
    expect(chat.body.model).toBe("m");
    // One leading system message (what local chat templates accept), without the billing line.
    expect(chat.body.messages[0].role).toBe("system");
    expect(chat.body.messages.slice(1).some((m: any) => m.role === "system")).toBe(false);
    expect(JSON.stringify(chat.body)).not.toContain("x-anthropic-billing-header");
    // Claude's client token is the gateway's business, never the upstream's.
    expect(chat.headers.authorization).toBeUndefined();
  },
  TEST_TIMEOUT_MS,
);

test(
  "a Bash round trip on a chat-only upstream: Claude really runs `echo hi` and sends the output back",
  async () => {
    const up = await startBashChatScript();
    stops.push(() => up.stop());
    const gw = await gateway(upstreamToml("gpu", up.url, `wire = ["chat"]`) + CLAUDE_ALIAS(`"gpu/m"`));

    const run = await claudeExec({ baseUrl: gw.url, apiKey: "wayfront", prompt: "Run the check.", timeoutMs: RUN_TIMEOUT_MS });

    expect(run.code, transcript(run)).toBe(0);
    const chats = posts(up.requests, "/v1/chat/completions");
    expect(chats).toHaveLength(2);
    expect(chats[0].body.tools.map((t: any) => t.function.name)).toContain("Bash");
    const [call, result] = chats[1].body.messages.slice(-2);
    expect(call.tool_calls[0]).toMatchObject({ id: up.callId, type: "function", function: { name: "Bash" } });
    expect(JSON.parse(call.tool_calls[0].function.arguments)).toMatchObject({ command: "echo hi" });
    expect(result).toMatchObject({ role: "tool", tool_call_id: up.callId });
    expect(String(result.content)).toContain("hi");
    expect(run.stdout, transcript(run)).toContain(resultText("hi"));
  },
  TEST_TIMEOUT_MS,
);

test(
  "a Bash round trip passed through to a Messages-speaking local server: model rewritten, billing line dropped",
  async () => {
    const up = await startToolScriptMessages({ model: "local-coder", command: "echo hi" });
    stops.push(() => up.stop());
    const gw = await gateway(
      upstreamToml("gpu", `${up.url}/v1`, `wire = ["chat", "messages"]\nmodels = ["local-coder"]`) + CLAUDE_ALIAS(`"gpu/local-coder"`),
    );

    const run = await claudeExec({ baseUrl: gw.url, apiKey: "wayfront", prompt: "Run the check.", timeoutMs: RUN_TIMEOUT_MS });

    expect(run.code, transcript(run)).toBe(0);
    const sent = posts(up.requests, "/v1/messages");
    expect(sent).toHaveLength(2);
    for (const p of sent) {
      expect(p.body.model).toBe("local-coder");
      expect(systemText(p.body)).not.toContain("x-anthropic-billing-header");
      // The rest of the system prompt arrives untouched.
      expect(p.body.system.length).toBeGreaterThan(0);
      expect(p.headers["anthropic-version"]).toBe("2023-06-01");
      expect(p.headers["anthropic-beta"]).toBeDefined();
    }
    const result = sent[1].body.messages.at(-1).content[0];
    expect(result).toMatchObject({ type: "tool_result", tool_use_id: up.toolUseId, content: "hi" });
    expect(run.stdout, transcript(run)).toContain(resultText("hi"));
  },
  TEST_TIMEOUT_MS,
);

test(
  "the local upstream failing: served by an Anthropic-shaped cloud, its key as x-api-key, the billing line kept",
  async () => {
    const gpu = await mock({ models: ["m"], wire: ["chat"] });
    const cloud = await mock({ flavour: "anthropic", models: ["claude-cloud"], wire: ["chat", "messages"], apiKey: CLOUD_KEY });
    const gw = await gateway(
      upstreamToml("gpu", gpu.url) +
        upstreamToml(
          "anthropic",
          cloud.url,
          `tier = "cloud"\napi_key_env = "ANTHROPIC_CLOUD_KEY"\napi_key_header = "x-api-key"\nwire = ["messages"]`,
        ) +
        CLAUDE_ALIAS(`"gpu/m+error:503", "anthropic/claude-cloud"`),
      { ANTHROPIC_CLOUD_KEY: CLOUD_KEY },
    );
    const prompt = "Reply with WF-CLAUDE-CLOUD";

    const run = await claudeExec({ baseUrl: gw.url, authToken: "wayfront", prompt, timeoutMs: RUN_TIMEOUT_MS });

    expect(run.code, transcript(run)).toBe(0);
    expect(run.stdout, transcript(run)).toContain(echoText(prompt));
    expect(posts(gpu.requests, "/v1/chat/completions").length).toBeGreaterThan(0);
    const [sent] = posts(cloud.requests, "/v1/messages");
    expect(sent.headers["x-api-key"]).toBe(CLOUD_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.model).toBe("claude-cloud");
    expect(systemText(sent.body)).toContain("x-anthropic-billing-header");
    // The cloud key shows nowhere on the client's side.
    expect(run.stdout + run.stderr).not.toContain(CLOUD_KEY);
    expect(gw.logs.join("\n")).not.toContain(CLOUD_KEY);
  },
  TEST_TIMEOUT_MS,
);

test(
  "Claude runs a Bash call the local model wrote as Qwen3-Coder XML text: repaired into a tool_use block",
  async () => {
    const up = await startBashChatScript({ asText: true });
    stops.push(() => up.stop());
    const gw = await gateway(upstreamToml("gpu", up.url, `wire = ["chat"]`) + CLAUDE_ALIAS(`"gpu/m"`));

    const run = await claudeExec({ baseUrl: gw.url, apiKey: "wayfront", prompt: "Run the check.", timeoutMs: RUN_TIMEOUT_MS });

    expect(run.code, transcript(run)).toBe(0);
    const chats = posts(up.requests, "/v1/chat/completions");
    expect(chats).toHaveLength(2);
    const [call, result] = chats[1].body.messages.slice(-2);
    expect(call.tool_calls[0].function.name).toBe("Bash");
    expect(JSON.parse(call.tool_calls[0].function.arguments)).toEqual({ command: "echo hi", description: "say hi" });
    expect(String(call.content ?? "")).not.toContain("<tool_call>");
    expect(result).toMatchObject({ role: "tool", tool_call_id: call.tool_calls[0].id });
    expect(String(result.content)).toContain("hi");
    expect(run.stdout, transcript(run)).toContain(resultText("hi"));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('wayfront_tool_calls_repaired_total{upstream="gpu",format="auto"} 1');
  },
  TEST_TIMEOUT_MS,
);

test(
  "the same turn twice: the second is a cache hit, replayed as a Messages stream Claude accepts",
  async () => {
    const gpu = await mock({ models: ["m"], wire: ["chat"] });
    const gw = await gateway(upstreamToml("gpu", gpu.url) + `[models."claude-*"]\ntargets = ["gpu/m"]\ncache = "always"\n`);
    const root = mkdtempSync(join(tmpdir(), "wayfront-claude-cache-"));
    stops.push(async () => rmSync(root, { recursive: true, force: true }));
    const prompt = (attempt: number) => `Reply with WF-CLAUDE-CACHE-${7 + attempt}`;

    const { first, second, asked } = await onOneDay(async (attempt) => {
      gpu.requests.length = 0;
      gw.logs.length = 0;
      const asked = prompt(attempt);
      const ask = () => claudeExec({ baseUrl: gw.url, authToken: "wayfront", prompt: asked, timeoutMs: RUN_TIMEOUT_MS, root });
      return { first: await ask(), second: await ask(), asked };
    });

    expect(first.code, transcript(first)).toBe(0);
    expect(second.code, transcript(second)).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stdout, transcript(second)).toContain(asked);
    // Only the first run reached the GPU: the second was answered from the cache, though
    // Claude's billing line and session ids differ between the runs.
    expect(posts(gpu.requests, "/v1/chat/completions")).toHaveLength(1);
    const lines = gw.logs.filter((l) => l.includes('"msg":"request"') && l.includes("/v1/messages")).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.cache)).toEqual(["MISS", "HIT"]);
  },
  TEST_TIMEOUT_MS,
);
