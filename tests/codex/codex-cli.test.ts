// The real Codex CLI (npm @openai/codex, pinned) driven through Wayfront to chat-only upstreams:
// Codex speaks only the Responses API to custom providers, so everything here goes through
// the Responses → Chat translation and back, and Codex itself judges the stream it gets.
import { expect, test } from "bun:test";
import { onOneDay, stopsAfterEach, transcript } from "../helpers/cli-run.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { echoText } from "../mock/answer-plan.ts";
import { startMockUpstream, type MockUpstream, type RecordedRequest } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { codexExec } from "./codex-exec.ts";
import { startToolScriptUpstream, type ToolScriptUpstream } from "./tool-script-upstream.ts";

/** Bound on one `codex exec` run; a healthy run takes about a second. */
const RUN_TIMEOUT_MS = 60_000;
/** bun:test's own per-test bound, above the run's so the run's message is the one reported. */
const TEST_TIMEOUT_MS = 90_000;

const ALIAS = `[models."test-model"]\ntargets = ["gpu/m"]\n`;
const CHAT_SAFE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const stops = stopsAfterEach();

async function gatewayTo(upstreamUrl: string): Promise<TestGateway> {
  const gw = await startTestGateway(upstreamToml("gpu", upstreamUrl) + ALIAS);
  stops.push(() => gw.stop());
  return gw;
}

const chatPosts = (requests: RecordedRequest[]) => requests.filter((r) => r.method === "POST" && r.path === "/v1/chat/completions");

test(
  "codex exec gets a text answer from a chat-only upstream, through the Responses translation",
  async () => {
    const mock: MockUpstream = await startMockUpstream({ models: ["m"], wire: ["chat"] });
    stops.push(() => mock.stop());
    const gw = await gatewayTo(mock.url);
    const prompt = "Reply with the marker WF-E2E-4711";

    const run = await codexExec({ baseUrl: gw.v1, model: "test-model", prompt, timeoutMs: RUN_TIMEOUT_MS });

    expect(run.timedOut, transcript(run)).toBe(false);
    expect(run.code, transcript(run)).toBe(0);
    // The mock echoes the last user message, which is the prompt as Codex sent it.
    expect(run.stdout, transcript(run)).toContain(echoText(prompt));

    const posts = chatPosts(mock.requests);
    expect(posts).toHaveLength(1);
    const body = posts[0].body;
    expect(body.model).toBe("m");
    expect(body.stream).toBe(true);
    // Codex's own key stays with the gateway.
    expect(posts[0].headers.authorization).not.toBe("Bearer local");
    // Responses-only fields don't reach a chat server.
    for (const key of ["input", "include", "store", "reasoning", "prompt_cache_key", "client_metadata", "instructions"]) {
      expect(body).not.toHaveProperty(key);
    }
    // The developer message (Codex's system prompt) leads, the prompt ends the conversation.
    expect(["system", "developer"]).toContain(body.messages[0].role);
    expect(body.messages[0].content).toContain("Codex");
    expect(body.messages.at(-1)).toEqual({ role: "user", content: prompt });
    // Tools flattened to plain chat functions: namespaced ones joined into one safe name,
    // hosted ones (web_search) left out.
    expect(body.tools.length).toBeGreaterThan(0);
    for (const tool of body.tools) {
      expect(tool.type).toBe("function");
      expect(tool.function.name).toMatch(CHAT_SAFE_NAME);
      expect(typeof tool.function.parameters).toBe("object");
    }
    const names: string[] = body.tools.map((t: any) => t.function.name);
    expect(names).toContain("exec_command");
    expect(names.some((n) => n.startsWith("multi_agent_v1__"))).toBe(true);
    expect(names.some((n) => n.includes("web_search"))).toBe(false);
  },
  TEST_TIMEOUT_MS,
);

test(
  "codex exec runs the exec_command the upstream asks for and sends the output back",
  async () => {
    // printf so the output differs from the command text: seeing it proves the command ran.
    const up: ToolScriptUpstream = await startToolScriptUpstream({ model: "m", command: "printf 'WF-%s-OK\\n' TOOL" });
    stops.push(() => up.stop());
    const gw = await gatewayTo(up.url);

    const run = await codexExec({ baseUrl: gw.v1, model: "test-model", prompt: "Run the check.", timeoutMs: RUN_TIMEOUT_MS });

    expect(run.timedOut, transcript(run)).toBe(false);
    expect(run.code, transcript(run)).toBe(0);

    const posts = chatPosts(up.requests);
    expect(posts).toHaveLength(2);
    const [first, second] = posts.map((p) => p.body);
    expect(first.messages.some((m: any) => m.role === "tool")).toBe(false);
    // The second turn replays the call as the upstream made it, then Codex's output for it.
    const messages: any[] = second.messages;
    const call = messages.at(-2);
    expect(call.role).toBe("assistant");
    expect(call.tool_calls).toHaveLength(1);
    expect(call.tool_calls[0].id).toBe(up.callId);
    expect(call.tool_calls[0].function.name).toBe("exec_command");
    expect(JSON.parse(call.tool_calls[0].function.arguments)).toEqual({ cmd: "printf 'WF-%s-OK\\n' TOOL" });
    const result = messages.at(-1);
    expect(result.role).toBe("tool");
    expect(result.tool_call_id).toBe(up.callId);
    expect(result.content).toContain("WF-TOOL-OK");
    // And the final answer, built from that output, is what Codex printed.
    expect(run.stdout, transcript(run)).toContain("Tool said: ");
    expect(run.stdout, transcript(run)).toContain("WF-TOOL-OK");
  },
  TEST_TIMEOUT_MS,
);

test(
  "codex exec runs a command the local model wrote as Qwen3-Coder XML text: the gateway repairs it into a real call",
  async () => {
    const up: ToolScriptUpstream = await startToolScriptUpstream({ model: "m", command: "printf 'WF-%s-OK\\n' TEXT", asText: true });
    stops.push(() => up.stop());
    const gw = await gatewayTo(up.url);

    const run = await codexExec({ baseUrl: gw.v1, model: "test-model", prompt: "Run the check.", timeoutMs: RUN_TIMEOUT_MS });

    expect(run.timedOut, transcript(run)).toBe(false);
    expect(run.code, transcript(run)).toBe(0);
    const posts = chatPosts(up.requests);
    expect(posts).toHaveLength(2);
    // Codex sent back a real call (the one the gateway made from the text) and its output.
    const messages: any[] = posts[1].body.messages;
    const call = messages.at(-2);
    expect(call.tool_calls).toHaveLength(1);
    expect(call.tool_calls[0].function.name).toBe("exec_command");
    expect(JSON.parse(call.tool_calls[0].function.arguments)).toEqual({ cmd: "printf 'WF-%s-OK\\n' TEXT" });
    expect(String(call.content ?? "")).not.toContain("<tool_call>");
    expect(messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: call.tool_calls[0].id });
    expect(messages.at(-1).content).toContain("WF-TEXT-OK");
    expect(run.stdout, transcript(run)).toContain("WF-TEXT-OK");
  },
  TEST_TIMEOUT_MS,
);

test(
  "the same codex exec twice: the second run is answered from the prompt cache (per-session ids ignored)",
  async () => {
    const mock: MockUpstream = await startMockUpstream({ models: ["m"], wire: ["chat"] });
    stops.push(() => mock.stop());
    // Codex sends no temperature or seed, so the default deterministic mode would not cache it.
    const gw = await startTestGateway(`[cache]\nmode = "always"\n` + upstreamToml("gpu", mock.url) + ALIAS);
    stops.push(() => gw.stop());
    // The same folders for both sessions: Codex puts its working directory in the prompt.
    const root = mkdtempSync(join(tmpdir(), "wayfront-codex-twice-"));
    stops.push(async () => rmSync(root, { recursive: true, force: true }));
    const { first, second, prompt } = await onOneDay(async (attempt) => {
      mock.requests.length = 0;
      gw.logs.length = 0;
      const prompt = `Reply with the marker WF-CACHE-${42 + attempt}`;
      const first = await codexExec({ baseUrl: gw.v1, model: "test-model", prompt, timeoutMs: RUN_TIMEOUT_MS, root });
      // Let the write, which is kept off the response path, land before the second session.
      await gw.gateway.cache.store.stats();
      const second = await codexExec({ baseUrl: gw.v1, model: "test-model", prompt, timeoutMs: RUN_TIMEOUT_MS, root });
      return { first, second, prompt };
    });
    expect(first.code, transcript(first)).toBe(0);
    expect(second.code, transcript(second)).toBe(0);
    expect(second.stdout, transcript(second)).toContain(echoText(prompt));
    // A new Codex session stamps new item ids, session ids and prompt_cache_key: still one generation.
    expect(chatPosts(mock.requests)).toHaveLength(1);
    const hits = gw.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request" && l.cache === "HIT");
    expect(hits).toHaveLength(1);
  },
  TEST_TIMEOUT_MS * 2,
);
