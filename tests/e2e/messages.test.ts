// The Anthropic Messages ingress over HTTP: the official Anthropic SDK and fetch against the
// gateway, in front of a chat-only mock (translated), a Messages-speaking mock (passed
// through) and the recorded Claude Code answers replayed byte for byte. Every event a client
// gets is checked against the strict Messages stream schema and the order Claude Code needs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { parseEvents } from "../../src/protocol/sse.ts";
import type { MessagesEvent } from "../../src/protocol/messages.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startReplayUpstream, type ReplayUpstream } from "../mock/replay-upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { assertValidEvents, assertValidMessage, claudeFixture } from "../unit/protocol/messages/events.ts";

const FIXTURES = new URL("../fixtures/claude-code/", import.meta.url).pathname;

let chat: MockUpstream;
let native: MockUpstream;
let cpp: MockUpstream;
let replay: ReplayUpstream;
let replayTool: ReplayUpstream;
let gw: TestGateway;

beforeAll(async () => {
  chat = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  native = await startMockUpstream({ flavour: "llamacpp", models: ["n"], wire: ["chat", "messages"] });
  cpp = await startMockUpstream({ flavour: "llamacpp", models: ["c"], wire: ["chat"] });
  replay = await startReplayUpstream(`${FIXTURES}text-turn.sse`);
  replayTool = await startReplayUpstream(`${FIXTURES}thinking-tool-use.sse`);
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\n[cache]\nmode = "always"\n` +
      upstreamToml("gpu", chat.url, `wire = ["chat"]\n[upstream.model_info."small"]\ncontext_window = 8192`) +
      upstreamToml("native", native.url, `wire = ["chat", "messages"]`) +
      upstreamToml("cpp", cpp.url, `wire = ["chat"]`) +
      upstreamToml("rec", replay.url, `wire = ["messages"]\nmodels = ["claude-opus-5-5"]`) +
      upstreamToml("rectool", replayTool.url, `wire = ["messages"]\nmodels = ["claude-opus-5-5"]`) +
      `[models."claude-*"]\ntargets = ["gpu/m"]\ncache = "off"\n` +
      `[models."cached"]\ntargets = ["gpu/m"]\n`,
  );
});
afterAll(async () => {
  await gw.stop();
  for (const m of [chat, native, cpp, replay, replayTool]) await m.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const events = (text: string): MessagesEvent[] =>
  parseEvents(text)
    .filter((e) => e.data.trim() !== "")
    .map((e) => {
      const ev = JSON.parse(e.data) as MessagesEvent;
      // Claude Code needs the `event:` line, and it must name the data's type.
      expect(e.event).toBe(ev.type);
      return ev;
    });

const turn = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "claude-opus-5-5",
  max_tokens: 1024,
  messages: [{ role: "user" as const, content: [{ type: "text" as const, text }] }],
  ...extra,
});

describe("Messages on a chat-only upstream (translated)", () => {
  test("the Anthropic SDK streams a text answer: every event valid, the final message assembled", async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: "wayfront" });
    const stream = client.messages.stream(turn("hello sdk"));
    const seen: MessagesEvent[] = [];
    // Copied as they come: the SDK accumulates the answer into the message_start event's object.
    stream.on("streamEvent", (ev) => seen.push(structuredClone(ev) as unknown as MessagesEvent));
    const final = await stream.finalMessage();
    assertValidEvents(seen);
    expect(final.content as unknown).toEqual([{ type: "text", text: "Echo: hello sdk" }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.model).toBe("claude-opus-5-5");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  test("stream: false (Claude Code's fallback) is a whole Message", async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: "wayfront" });
    const { _request_id, ...m } = await client.messages.create(turn("whole one"));
    assertValidMessage(m);
    expect(m.content as unknown).toEqual([{ type: "text", text: "Echo: whole one" }]);
    expect(m.id).toStartWith("msg_");
  });

  test("streaming is decided by the body, not Accept (Claude Code sends accept: application/json)", async () => {
    const r = await post("/v1/messages?beta=true", turn("by body", { stream: true }), { accept: "application/json" });
    expect(r.headers.get("content-type")).toStartWith("text/event-stream");
    assertValidEvents(events(await r.text()));
  });

  test("tools: a tool call arrives as a tool_use block, its input only as input_json_delta", async () => {
    const r = await post("/messages", {
      ...turn("weather?", { stream: true }),
      model: "gpu/m+tools",
      tools: [
        {
          name: "get_weather",
          input_schema: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { location: { type: "string" } } },
        },
      ],
    });
    const evs = events(await r.text());
    assertValidEvents(evs);
    const start = evs.find((e) => e.type === "content_block_start" && e.content_block.type === "tool_use") as any;
    expect(start.content_block).toMatchObject({ name: "get_weather", input: {} });
    const json = evs
      .filter((e: any) => e.type === "content_block_delta" && e.index === start.index)
      .map((e: any) => e.delta.partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({ location: "Paris, France", unit: "celsius" });
    expect((evs.find((e) => e.type === "message_delta") as any).delta.stop_reason).toBe("tool_use");
  });

  test("every recorded Claude Code request is accepted and answered with a valid stream", async () => {
    for (const name of [
      "text-turn-request.json",
      "tool-result-request.json",
      "thinking-history-request.json",
      "custom-model-tool-result-request.json",
    ]) {
      const rec = claudeFixture(name);
      const r = await post(
        `/v1/messages${rec.query ?? ""}`,
        { ...rec.body, model: "claude-opus-5-5" },
        { "anthropic-beta": rec.headers["anthropic-beta"] ?? "" },
      );
      expect(r.status, name).toBe(200);
      assertValidEvents(events(await r.text()));
    }
    const fallback = claudeFixture("nonstreaming-fallback-request.json");
    const r = await post("/v1/messages?beta=true", fallback.body);
    expect(r.status).toBe(200);
    assertValidMessage(await r.json());
  });

  test("max_tokens is clamped to the target's context window", async () => {
    const before = chat.requests.length;
    const r = await post("/v1/messages", { ...turn("clamp me"), model: "gpu/small", max_tokens: 128000 });
    await r.text();
    const sent = chat.requests.slice(before).find((q) => q.path === "/v1/chat/completions")!;
    expect(sent.body.max_tokens).toBeLessThanOrEqual(8192);
    expect(sent.body.max_tokens).toBeGreaterThan(4096);
  });

  test("an upstream that dies mid-stream ends the stream with `event: error`", async () => {
    const r = await post("/v1/messages", turn("cut", { stream: true, model: "gpu/m+tokens:20+drop-after:3" }));
    const text = await r.text();
    const evs = events(text);
    assertValidEvents(evs);
    const last = evs.at(-1) as any;
    expect(last.type).toBe("error");
    expect(last.error.type).toBe("api_error");
    expect(evs.some((e) => e.type === "message_stop")).toBe(false);
  });
});

describe("Messages passed through", () => {
  test("to a Messages-speaking local server: model rewritten, billing line dropped, events relayed", async () => {
    const body = {
      ...turn("native turn", { stream: true }),
      model: "native/n",
      system: [
        { type: "text", text: "x-anthropic-billing-header: cc_version=9.9.9; cc_entrypoint=sdk-cli;" },
        { type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } },
      ],
    };
    const r = await post("/v1/messages?beta=true", body, { "anthropic-beta": "claude-code-20250219" });
    const evs = events(await r.text());
    assertValidEvents(evs);
    const sent = native.requests.filter((q) => q.path === "/v1/messages").at(-1)!;
    expect(sent.body.model).toBe("n");
    expect(sent.body.system).toEqual([{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }]);
    expect(sent.headers["anthropic-beta"]).toBe("claude-code-20250219");
    expect(r.headers.get("x-wayfront-upstream")).toBe("native");
  });

  test("the recorded Claude Code answer streams are relayed byte for byte", async () => {
    for (const [upstream, file] of [
      ["rec", "text-turn.sse"],
      ["rectool", "thinking-tool-use.sse"],
    ]) {
      const r = await post("/v1/messages?beta=true", { ...turn("replay", { stream: true }), model: `${upstream}/claude-opus-5-5` });
      const got = await r.text();
      expect(got).toBe(await Bun.file(`${FIXTURES}${file}`).text());
      assertValidEvents(events(got));
    }
  });

  test("an upstream answering stream: false with a stream is an error in Anthropic's shape, not garbage", async () => {
    const r = await post("/v1/messages", { ...turn("whole replay"), model: "rectool/claude-opus-5-5" });
    expect(r.status).toBe(502);
    expect((await r.json()).type).toBe("error");
  });
});

describe("cache", () => {
  test("a hit replays as a valid Messages stream and as a whole Message, with fresh ids", async () => {
    const first = await post("/v1/messages", { ...turn("cache me", { stream: true }), model: "cached" });
    const a = events(await first.text());
    expect(first.headers.get("x-wayfront-cache")).toBe("MISS");
    const again = await post("/v1/messages", { ...turn("cache me", { stream: true }), model: "cached" });
    expect(again.headers.get("x-wayfront-cache")).toStartWith("HIT");
    const b = events(await again.text());
    assertValidEvents(b);
    const idOf = (evs: MessagesEvent[]) => (evs[0] as any).message.id;
    expect(idOf(b)).not.toBe(idOf(a));
    const text = (evs: MessagesEvent[]) =>
      evs
        .filter((e: any) => e.type === "content_block_delta")
        .map((e: any) => e.delta.text)
        .join("");
    expect(text(b)).toBe(text(a));
    const whole = await post("/v1/messages", { ...turn("cache me"), model: "cached" });
    expect(whole.headers.get("x-wayfront-cache")).toStartWith("HIT");
    const m = await whole.json();
    assertValidMessage(m);
    expect(m.content[0].text).toBe(text(a));
  });

  test("Claude Code's per-request billing line and cache_control do not change the key", async () => {
    const withBilling = (v: string) => ({
      ...turn("billing key"),
      model: "cached",
      system: [
        { type: "text", text: `x-anthropic-billing-header: cc_version=${v}; cc_entrypoint=sdk-cli;` },
        { type: "text", text: "Same prompt.", cache_control: { type: "ephemeral" } },
      ],
    });
    await (await post("/v1/messages", withBilling("1.0.1"))).text();
    const r = await post("/v1/messages", withBilling("1.0.2"));
    expect(r.headers.get("x-wayfront-cache")).toStartWith("HIT");
  });
});

describe("errors in Anthropic's shape", () => {
  const expectError = async (r: Response, status: number, type: string) => {
    expect(r.status).toBe(status);
    const body = await r.json();
    expect(body).toEqual({ type: "error", error: { type, message: expect.any(String) } });
    return body.error.message as string;
  };

  test("an unknown model is a 404 not_found_error (the only 404)", async () => {
    const msg = await expectError(await post("/v1/messages", { ...turn("x"), model: "no-such-model" }), 404, "not_found_error");
    expect(msg).toContain("no-such-model");
  });

  test("/v1/v1/messages says to drop the /v1 from ANTHROPIC_BASE_URL", async () => {
    const msg = await expectError(await post("/v1/v1/messages?beta=true", turn("x")), 400, "invalid_request_error");
    expect(msg).toContain("ANTHROPIC_BASE_URL");
  });

  test("bad JSON and a missing field are 400 invalid_request_error", async () => {
    await expectError(await post("/v1/messages", "{not json"), 400, "invalid_request_error");
    await expectError(await post("/v1/messages", { model: "claude-opus-5-5" }), 400, "invalid_request_error");
  });

  test("an upstream error before the first byte keeps its status, in Anthropic's shape", async () => {
    await expectError(await post("/v1/messages", { ...turn("x"), model: "gpu/m+error:400" }), 400, "invalid_request_error");
  });

  test("an unknown path with anthropic-version is Anthropic-shaped too", async () => {
    await expectError(await post("/v1/messages/batches", {}), 404, "not_found_error");
  });
});

describe("count_tokens and the model list", () => {
  test("count_tokens: the upstream's own count when it speaks Messages, else an estimate", async () => {
    const native1 = await post("/v1/messages/count_tokens?beta=true", { ...turn("count these words"), model: "native/n" });
    expect(native1.headers.get("x-wayfront-token-count")).toBe("upstream");
    expect((await native1.json()).input_tokens).toBeGreaterThan(0);
    const est = await post("/v1/messages/count_tokens", { ...turn("count these words please"), model: "gpu/m" });
    expect(["estimate", "tokenizer"]).toContain(est.headers.get("x-wayfront-token-count") ?? "");
    const n = (await est.json()).input_tokens;
    expect(n).toBeGreaterThan(3);
    // A chat-only llama.cpp: its own tokenizer counts the prompt's text (one token a word, in the mock).
    const tok = await post("/v1/messages/count_tokens", {
      model: "cpp/c",
      system: "Be brief.",
      messages: [{ role: "user", content: "one two three four five" }],
    });
    expect(tok.headers.get("x-wayfront-token-count")).toBe("tokenizer");
    expect((await tok.json()).input_tokens).toBe(7);
    const unknown = await post("/v1/messages/count_tokens", { ...turn("x"), model: "nope" });
    expect(unknown.status).toBe(404);
  });

  test("count_tokens asks a server without a tokenizer once, not on every count", async () => {
    const asked = () => chat.requests.filter((r) => r.method === "POST" && r.path.endsWith("/tokenize")).length;
    const before = asked();
    for (const words of ["one two", "one two three", "one two three four"]) {
      const r = await post("/v1/messages/count_tokens", { ...turn(words), model: "gpu/m" });
      expect(r.headers.get("x-wayfront-token-count")).toBe("estimate");
      expect((await r.json()).input_tokens).toBeGreaterThan(0);
    }
    // Its 404 is remembered (for ten minutes): no round trip to the GPU box for each count.
    expect(asked() - before).toBeLessThanOrEqual(1);
  });

  test("GET /v1/models with anthropic-version is Anthropic's list shape", async () => {
    const r = await fetch(`${gw.url}/v1/models?limit=1000`, { headers: { "anthropic-version": "2023-06-01" } });
    const body = await r.json();
    expect(body.has_more).toBe(false);
    expect(body.data.every((m: any) => m.type === "model" && typeof m.id === "string" && typeof m.display_name === "string")).toBe(true);
    expect(body.data.map((m: any) => m.id)).toContain("cached");
    // "claude-*" is a rule, not a model.
    expect(body.data.map((m: any) => m.id)).not.toContain("claude-*");
    expect(body.first_id).toBe(body.data[0].id);
    const openai = await (await fetch(`${gw.url}/v1/models`)).json();
    expect(openai.object).toBe("list");
  });
});
