import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { MOCK_SIGNATURE } from "../../mock/messages-answer.ts";
import { readSse } from "../../mock/sse-reader.ts";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";

const KEY = "sk-ant-test";
let anthropic: MockUpstream;
let local: MockUpstream;
let chatOnly: MockUpstream;
let client: Anthropic;

beforeAll(async () => {
  anthropic = await startMockUpstream({ flavour: "anthropic", wire: ["chat", "messages"], apiKey: KEY });
  local = await startMockUpstream({ flavour: "llamacpp", wire: ["chat", "messages"] });
  chatOnly = await startMockUpstream({ flavour: "llamacpp" });
  // The SDK appends /v1/messages to the host root, as Claude Code does.
  client = new Anthropic({ baseURL: anthropic.url.replace(/\/v1$/, ""), apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  for (const m of [anthropic, local, chatOnly]) await m.stop();
});

/** Claude Code's shape: a reminder block, then the prompt, in one user message. */
const claudeUser = (prompt: string) => [
  {
    role: "user" as const,
    content: [
      { type: "text" as const, text: "<system-reminder>x</system-reminder>" },
      { type: "text" as const, text: prompt },
    ],
  },
];
const bash = [{ name: "Bash", description: "run", input_schema: { type: "object" as const, properties: { command: { type: "string" } } } }];

function post(mock: MockUpstream, body: unknown, headers: Record<string, string> = {}, path = "/messages") {
  const auth: Record<string, string> = mock === anthropic ? { "x-api-key": KEY, "anthropic-version": "2023-06-01" } : {};
  return fetch(`${mock.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth, ...headers },
    body: JSON.stringify(body),
  });
}

async function events(res: Response) {
  return (await readSse(res)).map((e) => ({ event: e.event, data: JSON.parse(e.data) }));
}

describe("the mock speaks Anthropic Messages", () => {
  test("non-streamed: a Message echoing the LAST text block of the last user message", async () => {
    const msg = await client.messages.create({ model: "mock-model", max_tokens: 100, messages: claudeUser("hello there") });
    expect(msg).toMatchObject({ type: "message", role: "assistant", model: "mock-model", stop_reason: "end_turn", stop_sequence: null });
    expect(msg.id).toStartWith("msg_");
    expect(msg.content).toEqual([{ type: "text", text: "Echo: hello there" } as any]);
    expect(msg.usage.output_tokens).toBe(3);
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
  });

  test("streamed: event lines in Anthropic's order, which the SDK assembles", async () => {
    const res = await post(anthropic, { model: "mock-model", max_tokens: 100, stream: true, messages: claudeUser("one two") });
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const evs = await events(res);
    for (const e of evs) expect(e.event).toBe(e.data.type);
    expect(evs.map((e) => e.event)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      ...Array(3).fill("content_block_delta"),
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(evs[0].data.message).toMatchObject({ content: [], stop_reason: null, usage: { output_tokens: 1 } });
    expect(evs.at(-2)!.data).toEqual({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } });
    const final = await client.messages.stream({ model: "mock-model", max_tokens: 100, messages: claudeUser("one two") }).finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "Echo: one two" } as any]);
  });

  test("tools + reasoning: signed thinking, then tool_use whose input comes only as input_json_delta", async () => {
    const res = await post(anthropic, { model: "mock-model+tools+reasoning", max_tokens: 100, stream: true, tools: bash, messages: claudeUser("x") });
    const evs = await events(res);
    const starts = evs.filter((e) => e.event === "content_block_start").map((e) => e.data.content_block);
    expect(starts.map((b) => b.type)).toEqual(["thinking", "tool_use"]);
    expect(starts[1]).toMatchObject({ name: "Bash", input: {} });
    expect(starts[1].id).toStartWith("toolu_");
    const deltas = evs.filter((e) => e.event === "content_block_delta").map((e) => e.data.delta);
    expect(deltas.find((d) => d.type === "signature_delta").signature).toBe(MOCK_SIGNATURE);
    const json = deltas.filter((d) => d.type === "input_json_delta").map((d) => d.partial_json);
    expect(json[0]).toBe("");
    expect(JSON.parse(json.join(""))).toEqual({ location: "Paris, France", unit: "celsius" });
    expect(evs.at(-2)!.data.delta.stop_reason).toBe("tool_use");

    const full = await client.messages.create({ model: "mock-model+parallel-tools", max_tokens: 100, tools: bash, messages: claudeUser("x") });
    expect(full.stop_reason).toBe("tool_use");
    expect(full.content.map((b) => b.type)).toEqual(["tool_use", "tool_use"]);
  });

  test("count_tokens answers input_tokens, the same count a Message reports", async () => {
    const body = { model: "mock-model", messages: claudeUser("count these words"), system: "be brief" };
    const counted = await client.messages.countTokens(body);
    const msg = await client.messages.create({ ...body, max_tokens: 10 });
    expect(counted.input_tokens).toBe(msg.usage.input_tokens);
  });

  test("drop-after cuts the stream mid-way: no message_stop", async () => {
    const res = await post(anthropic, { model: "mock-model+tokens:5+drop-after:2", max_tokens: 9, stream: true, messages: claudeUser("x") });
    let text = "";
    const reader = res.body!.getReader();
    // The cut shows as a read error or, when the socket's end wins the race, as an early end;
    // either way the stream stops after two deltas with no message_stop.
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    } catch {
      // the connection was cut: expected
    }
    expect(text.match(/"text_delta"/g)).toHaveLength(2);
    expect(text).not.toContain("message_stop");
  });

  test("a local server's Messages route: no anthropic-version needed, errors still Anthropic-shaped", async () => {
    const res = await post(local, { model: "mock-model+error:503", max_tokens: 9, messages: claudeUser("x") });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ type: "error", error: { type: "api_error", message: "mock upstream: injected error 503" } });
    const ok = await post(local, { model: "mock-model", max_tokens: 9, messages: claudeUser("hi") });
    expect((await ok.json()).content[0].text).toBe("Echo: hi");
  });

  test("without messages in wire, /v1/messages is a plain 404", async () => {
    const res = await post(chatOnly, { model: "mock-model", max_tokens: 9, messages: claudeUser("x") });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("not_found");
    expect((await post(chatOnly, { model: "mock-model", messages: [] }, {}, "/messages/count_tokens")).status).toBe(404);
  });
});

describe("the anthropic flavour's surface", () => {
  test("a wrong or missing key is a 401 in Anthropic's shape; x-api-key or Bearer both pass", async () => {
    const refused: Record<string, string>[] = [{ "x-api-key": "wrong" }, { "x-api-key": "" }, { "x-api-key": "", authorization: "Bearer wrong" }];
    for (const headers of refused) {
      const res = await post(anthropic, { model: "mock-model", max_tokens: 9, messages: claudeUser("x") }, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } });
    }
    const viaBearer = await post(
      anthropic,
      { model: "mock-model", max_tokens: 9, messages: claudeUser("x") },
      { "x-api-key": "", authorization: `Bearer ${KEY}` },
    );
    expect(viaBearer.status).toBe(200);
  });

  test("anthropic-version is required on /v1/messages", async () => {
    const bare = await fetch(`${anthropic.url}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify({ model: "mock-model", max_tokens: 9, messages: claudeUser("x") }),
    });
    expect(bare.status).toBe(400);
    expect((await bare.json()).error.type).toBe("invalid_request_error");
  });

  test("errors: unknown model 404 not_found_error, error:529 overloaded_error (the SDK sees them)", async () => {
    const miss = await post(anthropic, { model: "nope", max_tokens: 9, messages: claudeUser("x") });
    expect(miss.status).toBe(404);
    expect(await miss.json()).toEqual({ type: "error", error: { type: "not_found_error", message: "model: nope" } });
    const err = await client.messages.create({ model: "mock-model+error:529", max_tokens: 9, messages: claudeUser("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(529);
    expect(err.error).toEqual({ type: "error", error: { type: "overloaded_error", message: "mock upstream: injected error 529" } });
  });

  test("GET /v1/models in Anthropic's list shape", async () => {
    const res = await fetch(`${anthropic.url}/models`, { headers: { "x-api-key": KEY } });
    expect(await res.json()).toEqual({
      data: [{ type: "model", id: "mock-model", display_name: "mock-model", created_at: "2023-11-14T22:13:20.000Z" }],
      has_more: false,
      first_id: "mock-model",
      last_id: "mock-model",
    });
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(["mock-model"]);
  });

  test("its chat route answers chat completions, errors Anthropic-shaped", async () => {
    const headers = { "x-api-key": KEY };
    const ok = await post(anthropic, { model: "mock-model", messages: [{ role: "user", content: "hi" }] }, headers, "/chat/completions");
    expect((await ok.json()).choices[0].message.content).toBe("Echo: hi");
    const bad = await post(anthropic, { model: "nope", messages: [] }, headers, "/chat/completions");
    expect((await bad.json()).error.type).toBe("not_found_error");
  });
});
