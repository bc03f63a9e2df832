import { describe, expect, test } from "bun:test";
import type { ChatCompletion } from "../../../../src/protocol/chat.ts";
import { chatCompletionToResponse } from "../../../../src/protocol/translate/final.ts";
import { assertValidResponse, chunk, counterIds, runStream, usageChunk } from "./events.ts";

const toolNames = { ns__spawn: { name: "spawn", namespace: "ns", kind: "function" as const } };
const usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21, completion_tokens_details: { reasoning_tokens: 5 } };

describe("chatCompletionToResponse", () => {
  test("equals the final object of the equivalent stream (reasoning, text, two tool calls, usage)", () => {
    const completion: ChatCompletion = {
      id: "chatcmpl-1",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            reasoning_content: "think first",
            content: "Calling tools.",
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "exec_command", arguments: '{"cmd":"ls"}' } },
              { id: "call_2", type: "function", function: { name: "ns__spawn", arguments: "{}" } },
            ],
          },
        },
      ],
      usage,
    };
    const fromFinal = chatCompletionToResponse(completion, { model: "test-model", toolNames, createdAt: 1700000000, newId: counterIds() });
    const { stream } = runStream(
      [
        chunk({ role: "assistant", reasoning_content: "think " }),
        chunk({ reasoning_content: "first" }),
        chunk({ content: "Calling " }),
        chunk({ content: "tools." }),
        chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "exec_command", arguments: '{"cmd":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: "call_2", function: { name: "ns__spawn", arguments: "{}" } }] }),
        chunk({}, "tool_calls"),
        usageChunk(12, 9, { completion_tokens_details: { reasoning_tokens: 5 } }),
      ],
      { toolNames },
    );
    assertValidResponse(fromFinal);
    expect(fromFinal).toEqual(stream.response());
    expect(fromFinal.output.map((o) => o.type)).toEqual(["reasoning", "message", "function_call", "function_call"]);
    expect(fromFinal.output[3]).toMatchObject({ name: "spawn", namespace: "ns", call_id: "call_2" });
    expect(fromFinal.usage).toMatchObject({ input_tokens: 12, output_tokens: 9, total_tokens: 21, output_tokens_details: { reasoning_tokens: 5 } });
  });

  test("inline <think> in a whole message, a length stop, and a server that names the trace `reasoning`", () => {
    const think = chatCompletionToResponse(
      { choices: [{ index: 0, finish_reason: "length", message: { role: "assistant", content: "<think>hmm</think>\n\nPartial ans" } }] },
      { model: "m", toolNames: {}, responseId: "resp_fixed" },
    );
    assertValidResponse(think);
    expect(think.id).toBe("resp_fixed");
    expect(think.status).toBe("incomplete");
    expect(think.output.map((o) => [o.type, o.status])).toEqual([
      ["reasoning", "completed"],
      ["message", "incomplete"],
    ]); // the trace ended before the cut
    expect(think.usage).toBeNull();
    const named = chatCompletionToResponse(
      { choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "ok", reasoning: "via reasoning" } }] },
      { model: "m", toolNames: {} },
    );
    expect(named.output[0]).toMatchObject({ type: "reasoning", content: [{ type: "reasoning_text", text: "via reasoning" }] });
    expect(named.status).toBe("completed");
  });
});
