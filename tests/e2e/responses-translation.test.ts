// Responses API on a chat-only upstream: the real Codex request bodies and the openai SDK
// through the gateway to a mock that speaks only Chat Completions. Every event the gateway
// emits is checked against the strict TypeBox event schemas; sequence numbers must count up.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import OpenAI from "openai";
import { ResponseObject } from "../../src/protocol/responses.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { readSse } from "../mock/sse-reader.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { validEvents } from "../helpers/responses-events.ts";
import { codexRequest } from "../helpers/fixtures.ts";
import { until } from "../helpers/wait.ts";

const ObjectCheck = TypeCompiler.Compile(ResponseObject);

async function codexBody(name: string): Promise<Record<string, any>> {
  return (await codexRequest(name)).body;
}

let mock: MockUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream({ flavour: "llamacpp", models: ["test-model"], wire: ["chat"] });
  // wire left at "auto": the gateway must find out by itself that this upstream is chat-only.
  gw = await startTestGateway(upstreamToml("local", mock.url));
  client = new OpenAI({ baseURL: gw.v1, apiKey: "any", maxRetries: 0 });
});

afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

async function streamResponses(body: Record<string, unknown>): Promise<{ res: Response; events: any[] }> {
  const res = await fetch(`${gw.v1}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  return { res, events: validEvents(await readSse(res)) };
}

function lastChatRequest(): any {
  const r = mock.requests.filter((q) => q.path === "/v1/chat/completions").at(-1);
  expect(r).toBeDefined();
  return r!.body;
}

const types = (events: any[]) => events.map((e) => e.type);
const terminal = (events: any[]) => events.at(-1).response;

/** wayfront_requests_total for one upstream and outcome, from /metrics. */
async function servedCount(outcome: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = text.match(new RegExp(`^wayfront_requests_total\\{upstream="local",outcome="${outcome}"\\} (\\d+)`, "m"));
  return m ? Number(m[1]) : 0;
}

test("a translated Responses stream that completes counts as ok in /metrics, never as cancelled", async () => {
  const before = { ok: await servedCount("ok"), cancelled: await servedCount("cancelled") };
  const { events } = await streamResponses({ model: "test-model", input: "count me" });
  expect(events.at(-1).type).toBe("response.completed");
  // The log line and metrics are written when the stream ends, just after the last byte.
  await until(
    () => servedCount("ok"),
    (n) => n === before.ok + 1,
    "the stream to be counted ok",
  );
  expect(await servedCount("cancelled")).toBe(before.cancelled);
});

describe("Codex requests to a chat-only upstream", () => {
  test("turn 1: a text answer as the full event sequence, with usage", async () => {
    const body = await codexBody("turn1-request.json");
    const { res, events } = await streamResponses(body);
    expect(types(events).slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    expect(types(events)).toContain("response.output_item.added");
    expect(types(events)).toContain("response.content_part.added");
    expect(types(events)).toContain("response.output_text.done");
    expect(types(events).at(-1)).toBe("response.completed");
    const text = events
      .filter((e) => e.type === "response.output_text.delta")
      .map((e) => e.delta)
      .join("");
    expect(text.startsWith("Echo: ")).toBe(true);
    const done = terminal(events);
    expect(done.output[0].content[0].text).toBe(text);
    expect(done.usage.input_tokens).toBeGreaterThan(0);
    expect(done.usage.total_tokens).toBe(done.usage.input_tokens + done.usage.output_tokens);
    // The web_search tool cannot run on a chat upstream: the client is told.
    expect(res.headers.get("x-wayfront-warning")).toContain('tool "web_search" was dropped');
    const chat = lastChatRequest();
    expect(chat.model).toBe("test-model");
    expect(chat.stream_options).toEqual({ include_usage: true });
    expect(chat.messages[0].role).toBe("system");
    expect(chat.tools.map((t: any) => t.function.name)).toContain("exec_command");
  });

  test("turn 2: the tool result goes upstream as a tool message after the assistant's tool call", async () => {
    const body = await codexBody("turn2-tool-result-request.json");
    const call = body.input.find((i: any) => i.type === "function_call");
    const output = body.input.find((i: any) => i.type === "function_call_output");
    const { events } = await streamResponses(body);
    expect(types(events).at(-1)).toBe("response.completed");
    const msgs = lastChatRequest().messages;
    const toolMsg = msgs.findIndex((m: any) => m.role === "tool");
    expect(msgs[toolMsg].tool_call_id).toBe(output.call_id);
    expect(msgs[toolMsg].content).toBe(output.output);
    expect(msgs[toolMsg - 1].tool_calls[0]).toMatchObject({ id: call.call_id, function: { name: call.name, arguments: call.arguments } });
  });

  test("a single tool call streams as a function_call item with its arguments", async () => {
    const body = await codexBody("turn1-request.json");
    const { events } = await streamResponses({ ...body, model: "local/test-model+tools" });
    const added = events.filter((e) => e.type === "response.output_item.added");
    expect(added.map((e) => e.item.type)).toEqual(["function_call"]);
    const argDeltas = events
      .filter((e) => e.type === "response.function_call_arguments.delta")
      .map((e) => e.delta)
      .join("");
    const argsDone = events.find((e) => e.type === "response.function_call_arguments.done");
    expect(argsDone.arguments).toBe(argDeltas);
    expect(JSON.parse(argsDone.arguments)).toEqual({ location: "Paris, France", unit: "celsius" });
    const item = terminal(events).output[0];
    expect(item).toMatchObject({ type: "function_call", status: "completed", name: "exec_command" });
    expect(item.call_id).toMatch(/^call_/);
  });

  test("parallel tool calls become two items with their own indexes and call ids", async () => {
    const { events } = await streamResponses({
      model: "local/test-model+parallel-tools",
      input: "weather in two cities",
      tools: [
        { type: "function", name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
        { type: "function", name: "get_time", parameters: { type: "object", properties: {} } },
      ],
    });
    const output = terminal(events).output;
    expect(output.map((o: any) => o.name)).toEqual(["get_weather", "get_time"]);
    expect(new Set(output.map((o: any) => o.call_id)).size).toBe(2);
    for (const [i, o] of output.entries()) {
      const done = events.find((e) => e.type === "response.function_call_arguments.done" && e.item_id === o.id);
      expect(done.output_index).toBe(i);
      expect(JSON.parse(done.arguments).location).toBeString();
    }
  });

  test("reasoning_content becomes a reasoning item before the message", async () => {
    const { events } = await streamResponses({ model: "local/test-model+reasoning", input: "think first" });
    const output = terminal(events).output;
    expect(output.map((o: any) => o.type)).toEqual(["reasoning", "message"]);
    expect(output[0].content[0].text).toBe("Let me think about this.");
    expect(output[1].content[0].text).toBe("Echo: think first");
    expect(types(events)).toContain("response.reasoning_text.delta");
  });

  test("an upstream that dies mid-stream ends in response.failed and error", async () => {
    const { events } = await streamResponses({ model: "local/test-model+drop-after:2", input: "one two three four five" });
    expect(types(events).slice(-2)).toEqual(["response.failed", "error"]);
    const failed = events.at(-2).response;
    expect(failed.status).toBe("failed");
    expect(failed.error.code).toBe("stream_interrupted");
    expect(failed.output[0].status).toBe("incomplete");
  });

  test("an upstream error before the stream is an OpenAI error with its status", async () => {
    const res = await fetch(`${gw.v1}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "local/test-model+error:400", input: "x", stream: true }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("injected error 400");
  });

  test("non-streamed: one Response object, valid against the schema", async () => {
    const res = await fetch(`${gw.v1}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "test-model", input: "plain answer", store: false }),
    });
    expect(res.status).toBe(200);
    const obj = await res.json();
    expect(ObjectCheck.Check(obj)).toBe(true);
    expect(obj.status).toBe("completed");
    expect(obj.output[0].content[0].text).toBe("Echo: plain answer");
    expect(obj.usage.output_tokens).toBeGreaterThan(0);
    expect(lastChatRequest().stream).not.toBe(true);
  });
});

describe("tool-call round trip and stored responses", () => {
  test("function_call → function_call_output in the next request reaches the upstream as a tool message", async () => {
    const tools = [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } }];
    const first = await client.responses.create({ model: "local/test-model+tools", input: "weather?", tools: tools as any, store: false });
    const call = first.output.find((o) => o.type === "function_call")!;
    expect(call.type).toBe("function_call");
    const next = await client.responses.create({
      model: "test-model",
      tools: tools as any,
      store: false,
      input: [
        { role: "user", content: "weather?" },
        call as any,
        { type: "function_call_output", call_id: (call as any).call_id, output: "18C and sunny" },
      ],
    });
    expect(next.output_text).toContain("weather?");
    const msgs = lastChatRequest().messages;
    expect(msgs.at(-1)).toEqual({ role: "tool", tool_call_id: (call as any).call_id, content: "18C and sunny" });
    expect(msgs.at(-2).tool_calls[0].function.name).toBe("get_weather");
  });

  test("store (the default) + previous_response_id rebuild the history on a chat-only upstream", async () => {
    const { events } = await streamResponses({ model: "test-model", input: "remember the word kiwi", instructions: "Be brief." });
    const id = terminal(events).id;
    const follow = await client.responses.create({ model: "test-model", input: "what was the word?", previous_response_id: id });
    expect(follow.previous_response_id).toBe(id);
    const msgs = lastChatRequest().messages;
    // Instructions are not carried over (OpenAI's rule): only this request's would be.
    expect(msgs).toEqual([
      { role: "user", content: "remember the word kiwi" },
      { role: "assistant", content: "Echo: remember the word kiwi" },
      { role: "user", content: "what was the word?" },
    ]);
    // A chain of three: the second turn's history includes the first.
    await client.responses.create({ model: "test-model", input: "and again?", previous_response_id: follow.id });
    expect(lastChatRequest().messages.map((m: any) => m.content)).toEqual([
      "remember the word kiwi",
      "Echo: remember the word kiwi",
      "what was the word?",
      "Echo: what was the word?",
      "and again?",
    ]);
  });

  test("GET /v1/responses/{id} (and without /v1) returns the stored response; unknown ids are 404", async () => {
    const created = await client.responses.create({ model: "test-model", input: "keep me" });
    const got = await fetch(`${gw.v1}/responses/${created.id}`);
    expect(got.status).toBe(200);
    const obj = await got.json();
    expect(ObjectCheck.Check(obj)).toBe(true);
    expect(obj.id).toBe(created.id);
    expect(obj.output[0].content[0].text).toBe("Echo: keep me");
    expect((await fetch(`${gw.url}/responses/${created.id}`)).status).toBe(200);
    expect((await client.responses.retrieve(created.id)).id).toBe(created.id);
    const missing = await fetch(`${gw.v1}/responses/resp_nope`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.type).toBe("invalid_request_error");
  });

  test("store:false keeps nothing; an unknown previous_response_id on a chat-only upstream is 404", async () => {
    const r = await client.responses.create({ model: "test-model", input: "forget me", store: false });
    expect((await fetch(`${gw.v1}/responses/${r.id}`)).status).toBe(404);
    const res = await fetch(`${gw.v1}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "test-model", input: "x", previous_response_id: r.id }),
    });
    expect(res.status).toBe(404);
    const err = (await res.json()).error;
    expect(err.param).toBe("previous_response_id");
  });
});

describe("the openai SDK consumes the translated stream", () => {
  test("responses.create (non-streamed)", async () => {
    const r = await client.responses.create({ model: "test-model", input: "sdk create" });
    expect(r.output_text).toBe("Echo: sdk create");
    expect(r.status).toBe("completed");
  });

  test("responses.create with stream: true iterates every event", async () => {
    const stream = await client.responses.create({ model: "test-model", input: "sdk iterate", stream: true });
    const seen: string[] = [];
    for await (const ev of stream) seen.push(ev.type);
    expect(seen[0]).toBe("response.created");
    expect(seen.at(-1)).toBe("response.completed");
  });

  test("responses.stream(...).finalResponse() with text, reasoning and tools", async () => {
    const s1 = client.responses.stream({ model: "local/test-model+reasoning", input: "sdk stream" });
    let deltas = "";
    s1.on("response.output_text.delta", (e) => (deltas += e.delta));
    const final = await s1.finalResponse();
    expect(final.output_text).toBe("Echo: sdk stream");
    expect(deltas).toBe("Echo: sdk stream");
    const s2 = client.responses.stream({
      model: "local/test-model+parallel-tools",
      input: "two calls",
      tools: [{ type: "function", name: "lookup", parameters: { type: "object", properties: {} }, strict: false }],
    });
    const withTools = await s2.finalResponse();
    expect(withTools.output.filter((o) => o.type === "function_call")).toHaveLength(2);
  });
});

describe("knowing the upstream's wire", () => {
  test("auto: a Responses-capable upstream gets the request untouched; a chat-only one gets chat", async () => {
    const both = await startMockUpstream({ models: ["m-both"], wire: ["chat", "responses"] });
    const chatOnly = await startMockUpstream({ models: ["m-chat"], wire: ["chat"] });
    const g = await startTestGateway(upstreamToml("both", both.url) + upstreamToml("chatonly", chatOnly.url));
    try {
      const body = { model: "m-both", input: "pass me through", store: false };
      const r1 = await fetch(`${g.v1}/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(r1.status).toBe(200);
      const real = both.requests.filter((q) => q.path === "/v1/responses" && q.body?.model === "m-both");
      expect(real).toHaveLength(1);
      expect(real[0].body).toEqual(body);
      expect(both.requests.some((q) => q.path === "/v1/chat/completions")).toBe(false);

      const r2 = await fetch(`${g.v1}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m-chat", input: "translate me" }),
      });
      expect((await r2.json()).output[0].content[0].text).toBe("Echo: translate me");
      expect(chatOnly.requests.filter((q) => q.path === "/v1/chat/completions")).toHaveLength(1);
      // The probe is remembered: one POST /responses per upstream however many requests.
      await fetch(`${g.v1}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m-chat", input: "again" }),
      });
      expect(chatOnly.requests.filter((q) => q.path === "/v1/responses")).toHaveLength(1);
      expect(chatOnly.requests.filter((q) => q.path === "/v1/chat/completions")).toHaveLength(2);
    } finally {
      await g.stop();
      await both.stop();
      await chatOnly.stop();
    }
  });

  test('wire = ["chat"] translates without probing, even if the upstream has /responses', async () => {
    const both = await startMockUpstream({ models: ["m"], wire: ["chat", "responses"] });
    const g = await startTestGateway(upstreamToml("u", both.url, 'wire = ["chat"]'));
    try {
      const res = await fetch(`${g.v1}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", input: "hi" }),
      });
      expect((await res.json()).output[0].content[0].text).toBe("Echo: hi");
      expect(both.requests.some((q) => q.path === "/v1/responses")).toBe(false);
    } finally {
      await g.stop();
      await both.stop();
    }
  });
});
