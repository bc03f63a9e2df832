import { describe, expect, test } from "bun:test";
import type { ChatCompletion } from "../../../../src/protocol/chat.ts";
import { chatCompletionToMessage } from "../../../../src/protocol/translate/messages-stream.ts";
import { assertValidMessage, chunk, counterIds, runStream, usageChunk } from "./events.ts";

const completion = (message: Record<string, unknown>, finish_reason: string | null = "stop", usage?: Record<string, unknown>): ChatCompletion =>
  ({
    id: "chatcmpl-1",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason }],
    usage,
  }) as ChatCompletion;

const opts = () => ({ model: "agent-model", toolNames: { Bash: { name: "Bash", kind: "function" as const } }, newId: counterIds() });

/** Thinking, text and a Bash call, with cached-token usage: one whole chat answer. */
const toolTurn = () =>
  completion(
    {
      reasoning_content: "Need a shell.",
      content: "I'll run it.",
      tool_calls: [{ id: "call_1", type: "function", function: { name: "Bash", arguments: '{"command":"echo hi"}' } }],
    },
    "tool_calls",
    { prompt_tokens: 200, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 150 } },
  );

describe("chatCompletionToMessage", () => {
  test("thinking first, then text, then tool_use with the parsed input; stop_reason tool_use; usage mapped", () => {
    const m = chatCompletionToMessage(toolTurn(), opts());
    assertValidMessage(m);
    expect(m).toEqual({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "agent-model",
      content: [
        { type: "thinking", thinking: "Need a shell.", signature: "" },
        { type: "text", text: "I'll run it." },
        { type: "tool_use", id: "call_1", name: "Bash", input: { command: "echo hi" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 50, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 150 },
    });
  });

  test("inline <think> is split out; length → max_tokens; no usage → zeros", () => {
    const m = chatCompletionToMessage(completion({ content: "<think>hmm</think>\nPartial" }, "length"), opts());
    expect(m.content).toEqual([
      { type: "thinking", thinking: "hmm", signature: "" },
      { type: "text", text: "Partial" },
    ]);
    expect(m.stop_reason).toBe("max_tokens");
    expect(m.usage).toEqual({ input_tokens: 0, output_tokens: 0 });
  });

  test("unparseable arguments become {} (the tool's own input check then tells the model)", () => {
    const m = chatCompletionToMessage(
      completion({ content: null, tool_calls: [{ id: "c", type: "function", function: { name: "Bash", arguments: "{oops" } }] }, "tool_calls"),
      opts(),
    );
    expect(m.content).toEqual([{ type: "tool_use", id: "c", name: "Bash", input: {} }]);
  });

  test("an empty completion is a valid empty message ending end_turn", () => {
    const m = chatCompletionToMessage({ choices: [] } as ChatCompletion, opts());
    assertValidMessage(m);
    expect(m.content).toEqual([]);
    expect(m.stop_reason).toBe("end_turn");
  });

  test("agrees with the streamed form of the same answer", () => {
    const streamed = runStream(
      [
        chunk({ reasoning_content: "Need a shell." }),
        chunk({ content: "I'll run it." }),
        chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "Bash", arguments: '{"command":"echo hi"}' } }] }),
        chunk({}, "tool_calls"),
        usageChunk(200, 30, 150),
      ],
      opts(),
    ).stream.final();
    const whole = chatCompletionToMessage(toolTurn(), opts());
    expect(whole).toEqual(streamed);
  });
});
