import { describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { MessageObject, MessagesRequest, MessagesStreamEvent } from "../../../../src/protocol/messages.ts";
import { claudeFixtures } from "./events.ts";

const req = TypeCompiler.Compile(MessagesRequest);
const msg = TypeCompiler.Compile(MessageObject);
const ev = TypeCompiler.Compile(MessagesStreamEvent);
const firstError = (c: typeof req, v: unknown) => c.Errors(v).First()?.path;

describe("MessagesRequest (lenient)", () => {
  const fixtures = claudeFixtures();

  test("the fixtures are there (at least the five copied)", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(5);
  });

  for (const [name, rec] of fixtures) {
    test(`accepts the recorded Claude Code body: ${name}`, () => {
      expect(rec.method).toBe("POST");
      expect(firstError(req, rec.body)).toBeUndefined();
      expect(req.Check(rec.body)).toBe(true);
    });
  }

  test("unknown keys, unknown block types, server tools and a future thinking type all pass", () => {
    const body = {
      model: "m",
      messages: [
        {
          role: "user",
          content: [
            { type: "document", source: { type: "text", data: "x" } },
            { type: "text", text: "hi", cache_control: {} },
          ],
          extra: 1,
        },
        {
          role: "assistant",
          content: [
            { type: "redacted_thinking", data: "xx" },
            { type: "server_tool_use", id: "s", name: "web_search" },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "tool_reference", tool_name: "X" }] }] },
      ],
      tools: [
        { type: "web_search_20250305", name: "web_search", max_uses: 3 },
        { name: "Bash", input_schema: {}, defer_loading: true, cache_control: {} },
      ],
      thinking: { type: "something_new" },
      context_management: { edits: [] },
      future_field: true,
    };
    expect(firstError(req, body)).toBeUndefined();
  });

  test("a known block type must still pass its own schema: tool_use without an id is refused at that path", () => {
    const body = { model: "m", messages: [{ role: "assistant", content: [{ type: "tool_use", name: "Bash", input: {} }] }] };
    expect(req.Check(body)).toBe(false);
  });

  test("an unknown role and a tool_choice of an unknown type are refused", () => {
    expect(req.Check({ model: "m", messages: [{ role: "tool", content: "x" }] })).toBe(false);
    expect(req.Check({ model: "m", messages: [], tool_choice: { type: "required" } })).toBe(false);
  });
});

describe("MessageObject and MessagesStreamEvent (strict)", () => {
  const message = {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "m",
    content: [{ type: "text", text: "hi" }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  };

  test("a well-formed message passes; a misspelt or unknown field does not", () => {
    expect(msg.Check(message)).toBe(true);
    expect(msg.Check({ ...message, stop_reson: "end_turn" })).toBe(false);
    expect(msg.Check({ ...message, stop_reason: "stop" })).toBe(false);
    expect(msg.Check({ ...message, content: [{ type: "text", text: "hi", citations: null }] })).toBe(false);
  });

  test("content_block_start must open an empty block (tool input {} only)", () => {
    const start = (content_block: unknown) => ({ type: "content_block_start", index: 0, content_block });
    expect(ev.Check(start({ type: "tool_use", id: "t", name: "Bash", input: {} }))).toBe(true);
    expect(ev.Check(start({ type: "tool_use", id: "t", name: "Bash", input: { command: "ls" } }))).toBe(false);
    expect(ev.Check(start({ type: "text", text: "already" }))).toBe(false);
    expect(ev.Check(start({ type: "thinking", thinking: "", signature: "" }))).toBe(true);
  });

  test("deltas, message_delta, ping and error have their exact shapes; unknown events are refused", () => {
    expect(ev.Check({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{" } })).toBe(true);
    expect(ev.Check({ type: "content_block_delta", index: 1, delta: { type: "text_delta", partial_json: "{" } })).toBe(false);
    expect(ev.Check({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 3 } })).toBe(true);
    expect(ev.Check({ type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 3 } })).toBe(false);
    expect(ev.Check({ type: "ping" })).toBe(true);
    expect(ev.Check({ type: "error", error: { type: "api_error", message: "x" } })).toBe(true);
    expect(ev.Check({ type: "message_start", message: { ...message, content: [] } })).toBe(true);
    expect(ev.Check({ type: "response.completed" })).toBe(false);
  });
});
