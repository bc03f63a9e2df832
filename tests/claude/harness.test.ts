// The real Claude Code CLI (npm @anthropic-ai/claude-code, pinned) against Anthropic Messages
// upstreams directly, no gateway: proves the harness and the mocks are what Claude accepts, so a
// later failure through the gateway's Messages ingress is the gateway's.
import { expect, test } from "bun:test";
import { stopsAfterEach, transcript } from "../helpers/cli-run.ts";
import { echoText } from "../mock/answer-plan.ts";
import { startMockUpstream, type MockUpstream, type RecordedRequest } from "../mock/upstream.ts";
import { claudeExec } from "./claude-exec.ts";
import { resultText, startBashChatScript, startToolScriptMessages } from "./tool-script-messages.ts";

/** Bound on one `claude -p` run; a healthy run takes about a second. */
const RUN_TIMEOUT_MS = 60_000;
/** bun:test's own per-test bound, above the run's so the run's message is the one reported. */
const TEST_TIMEOUT_MS = 90_000;
const KEY = "sk-ant-harness";

const stops = stopsAfterEach();

async function anthropicMock(): Promise<MockUpstream> {
  const mock = await startMockUpstream({ flavour: "anthropic", wire: ["chat", "messages"], apiKey: KEY });
  stops.push(() => mock.stop());
  return mock;
}

/** Claude takes the host root and appends /v1/messages itself. */
const rootOf = (mock: MockUpstream) => mock.url.replace(/\/v1$/, "");
const messagesPosts = (requests: RecordedRequest[]) => requests.filter((r) => r.method === "POST" && r.path === "/v1/messages");

test(
  "claude -p gets a text answer from the mock's Messages API, with x-api-key",
  async () => {
    const mock = await anthropicMock();
    const prompt = "Reply with WF-CLAUDE-1";

    const run = await claudeExec({ baseUrl: rootOf(mock), apiKey: KEY, model: "mock-model", prompt, timeoutMs: RUN_TIMEOUT_MS });

    expect(run.code, transcript(run)).toBe(0);
    // The mock echoes the last text block: the prompt, after Claude's <system-reminder> block.
    expect(run.stdout, transcript(run)).toContain(echoText(prompt));
    const posts = messagesPosts(mock.requests);
    expect(posts).toHaveLength(1);
    expect(posts[0].headers["x-api-key"]).toBe(KEY);
    expect(posts[0].headers.authorization).toBeUndefined();
    expect(posts[0].headers["anthropic-version"]).toBe("2023-06-01");
    expect(posts[0].body).toMatchObject({ model: "mock-model", stream: true });
    expect(posts[0].body.messages[0].content.map((b: any) => b.type)).toEqual(["text", "text"]);
  },
  TEST_TIMEOUT_MS,
);

test(
  "with ANTHROPIC_AUTH_TOKEN the key goes as a Bearer header instead",
  async () => {
    const mock = await anthropicMock();
    const run = await claudeExec({ baseUrl: rootOf(mock), authToken: KEY, model: "mock-model", prompt: "token turn", timeoutMs: RUN_TIMEOUT_MS });
    expect(run.code, transcript(run)).toBe(0);
    expect(run.stdout, transcript(run)).toContain(echoText("token turn"));
    const [post] = messagesPosts(mock.requests);
    expect(post.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(post.headers["x-api-key"]).toBeUndefined();
  },
  TEST_TIMEOUT_MS,
);

test(
  "claude -p runs the Bash tool_use the upstream asks for and sends the output back",
  async () => {
    const up = await startToolScriptMessages({ model: "mock-model", command: "echo hi" });
    stops.push(() => up.stop());

    const run = await claudeExec({ baseUrl: up.url, apiKey: KEY, model: "mock-model", prompt: "Run the check.", timeoutMs: RUN_TIMEOUT_MS });

    expect(run.code, transcript(run)).toBe(0);
    const posts = messagesPosts(up.requests);
    expect(posts).toHaveLength(2);
    const [first, second] = posts.map((p) => p.body);
    expect(JSON.stringify(first.messages)).not.toContain("tool_result");
    expect(first.tools.map((t: any) => t.name)).toContain("Bash");
    // The second turn replays the call as streamed (input assembled from the deltas), then the result.
    const [call, result] = second.messages.slice(-2);
    expect(call.role).toBe("assistant");
    expect(call.content.at(-1)).toEqual({ type: "tool_use", id: up.toolUseId, name: "Bash", input: { command: "echo hi", description: "say hi" } });
    expect(result.role).toBe("user");
    expect(result.content[0]).toMatchObject({ type: "tool_result", tool_use_id: up.toolUseId, content: "hi", is_error: false });
    expect(run.stdout, transcript(run)).toContain(resultText("hi"));
  },
  TEST_TIMEOUT_MS,
);

test(
  "a run that outlives its timeout is killed, and the upstream sees the connection go",
  async () => {
    const mock = await anthropicMock();
    const run = await claudeExec({ baseUrl: rootOf(mock), apiKey: KEY, model: "mock-model+hang", prompt: "wait", timeoutMs: 3_000 });
    expect(run.timedOut, transcript(run)).toBe(true);
    expect(run.code).toBeNull();
    const aborted = await mock.waitForAbort("/v1/messages");
    expect(aborted.body.model).toBe("mock-model+hang");
  },
  TEST_TIMEOUT_MS,
);

test("the chat-only script answers Claude's Bash call the same way (for runs through the gateway)", async () => {
  const up = await startBashChatScript();
  stops.push(() => up.stop());
  const post = async (messages: unknown[]) => {
    const res = await fetch(`${up.url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages }) });
    return (await res.json()).choices[0];
  };
  const first = await post([{ role: "user", content: "Run the check." }]);
  expect(first.finish_reason).toBe("tool_calls");
  expect(first.message.tool_calls[0]).toEqual({
    id: up.callId,
    type: "function",
    function: { name: "Bash", arguments: JSON.stringify({ command: "echo hi", description: "say hi" }) },
  });
  const second = await post([
    { role: "user", content: "Run the check." },
    { role: "assistant", content: null, tool_calls: first.message.tool_calls },
    { role: "tool", tool_call_id: up.callId, content: "hi" },
  ]);
  expect(second.message.content).toBe(resultText("hi"));
  expect(second.finish_reason).toBe("stop");
});
