import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { SseParser } from "../../../../src/protocol/sse.ts";
import type { ResponsesEvent } from "../../../../src/protocol/responses.ts";
import { ChatToResponsesStream, serializeEvent } from "../../../../src/protocol/translate/stream.ts";
import { assertValidResponse, chunk, runStream, sdkAccumulate, types, usageChunk } from "./events.ts";
import { codexFixture } from "../../../helpers/fixtures.ts";

const fixtureTypes = (name: string): string[] =>
  // The recorded files may lack the final blank line that terminates the last event.
  new SseParser().push(`${readFileSync(codexFixture(name), "utf8")}\n\n`).map((e) => e.event ?? "");

function finalOf(events: ResponsesEvent[]) {
  const last = events.at(-1)!;
  if (!("response" in last)) throw new Error(`last event is ${last.type}`);
  assertValidResponse(last.response);
  return last.response;
}

describe("ChatToResponsesStream", () => {
  test("plain text: same event types, in the same order, as the stream Codex accepted", () => {
    const { events, stream } = runStream([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hello " }),
      chunk({ content: "from the " }),
      chunk({ content: "gateway." }),
      chunk({}, "stop"),
      usageChunk(10, 3),
    ]);
    expect(types(events)).toEqual(fixtureTypes("sse-text-answer.txt"));
    const done = events.find((e) => e.type === "response.output_text.done");
    expect(done).toMatchObject({ text: "Hello from the gateway.", output_index: 0, content_index: 0 });
    const final = finalOf(events);
    expect(final.status).toBe("completed");
    expect(final.output).toEqual([
      {
        id: "msg_2",
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: "Hello from the gateway.", annotations: [] }],
      },
    ]);
    expect(final.usage).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 13,
    });
    expect(stream.response()).toEqual(final);
    expect(sdkAccumulate(events)).toEqual(final);
  });

  test("single tool call: matches sse-tool-call.txt (which omits the optional in_progress event)", () => {
    const { events } = runStream([
      chunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_abc", type: "function", function: { name: "exec_command", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"cmd"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':"echo WF-TOOL-OK"}' } }] }),
      chunk({}, "tool_calls"),
      usageChunk(10, 3),
    ]);
    expect(types(events).filter((t) => t !== "response.in_progress")).toEqual(fixtureTypes("sse-tool-call.txt"));
    const item = events.find((e) => e.type === "response.output_item.done");
    expect(item).toMatchObject({
      output_index: 0,
      item: { type: "function_call", status: "completed", call_id: "call_abc", name: "exec_command", arguments: '{"cmd":"echo WF-TOOL-OK"}' },
    });
    expect(sdkAccumulate(events)).toEqual(finalOf(events));
  });

  test("two parallel tool calls interleaved by index, names mapped back through toolNames", () => {
    const toolNames = { ns__spawn: { name: "spawn", namespace: "ns", kind: "function" as const } };
    const { events } = runStream(
      [
        chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "exec_command", arguments: '{"cmd":' } }] }),
        chunk({ tool_calls: [{ index: 1, id: "call_2", function: { name: "ns__spawn", arguments: "" } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{"task":"x"}' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }),
        chunk({}, "tool_calls"),
      ],
      { toolNames },
    );
    const final = finalOf(events);
    expect(final.output).toEqual([
      { id: "fc_2", type: "function_call", status: "completed", call_id: "call_1", name: "exec_command", arguments: '{"cmd":"ls"}' },
      { id: "fc_3", type: "function_call", status: "completed", call_id: "call_2", name: "spawn", namespace: "ns", arguments: '{"task":"x"}' },
    ]);
    const deltas = events.filter((e) => e.type === "response.function_call_arguments.delta");
    expect(deltas.map((d) => [d.output_index, d.delta])).toEqual([
      [0, '{"cmd":'],
      [1, '{"task":"x"}'],
      [0, '"ls"}'],
    ]);
    expect(sdkAccumulate(events)).toEqual(final);
  });

  test("a custom tool call comes back as custom_tool_call with the unwrapped input", () => {
    const { events } = runStream(
      [
        chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "apply_patch", arguments: '{"input":"*** Begin Patch\\n"}' } }] }),
        chunk({}, "tool_calls"),
      ],
      { toolNames: { apply_patch: { name: "apply_patch", kind: "custom" } } },
    );
    expect(types(events)).toContain("response.custom_tool_call_input.done");
    expect(finalOf(events).output).toEqual([
      { id: "ctc_2", type: "custom_tool_call", status: "completed", call_id: "c1", name: "apply_patch", input: "*** Begin Patch\n" },
    ]);
  });

  test("reasoning_content becomes a reasoning item placed before the message", () => {
    const { events } = runStream([
      chunk({ reasoning_content: "Let me " }),
      chunk({ reasoning_content: "think." }),
      chunk({ content: "Answer." }),
      chunk({}, "stop"),
      usageChunk(5, 7, { completion_tokens_details: { reasoning_tokens: 4 }, prompt_tokens_details: { cached_tokens: 2 } }),
    ]);
    const final = finalOf(events);
    expect(final.output.map((o) => o.type)).toEqual(["reasoning", "message"]);
    expect(final.output[0]).toEqual({
      id: "rs_2",
      type: "reasoning",
      status: "completed",
      summary: [],
      content: [{ type: "reasoning_text", text: "Let me think." }],
    });
    // The reasoning item is done before the message item is added.
    const t = types(events);
    expect(t.indexOf("response.reasoning_text.done")).toBeLessThan(t.lastIndexOf("response.output_item.added"));
    expect(final.usage).toMatchObject({
      input_tokens_details: { cached_tokens: 2 },
      output_tokens_details: { reasoning_tokens: 4 },
      total_tokens: 12,
    });
    expect(sdkAccumulate(events)).toEqual(final);
  });

  test("<think> spans split across chunk boundaries anywhere become reasoning", () => {
    const text = "<think>\nplan: add 2+2</think>\n\nIt is 4.";
    // Every way of cutting the content in three pieces.
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j += 3) {
        const pieces = [text.slice(0, i), text.slice(i, j), text.slice(j)].filter((p) => p !== "");
        const { events } = runStream([...pieces.map((p) => chunk({ content: p })), chunk({}, "stop")]);
        const final = finalOf(events);
        expect(final.output.map((o) => o.type)).toEqual(["reasoning", "message"]);
        expect((final.output[0] as { content: { text: string }[] }).content[0].text).toBe("plan: add 2+2");
        expect((final.output[1] as { content: { text: string }[] }).content[0].text).toBe("It is 4.");
      }
    }
  });

  test("finish_reason length → response.incomplete with max_output_tokens", () => {
    const { events } = runStream([chunk({ content: "cut o" }), chunk({}, "length"), usageChunk(3, 2)]);
    expect(events.at(-1)!.type).toBe("response.incomplete");
    const final = finalOf(events);
    expect(final.status).toBe("incomplete");
    expect(final.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(final.output[0].status).toBe("incomplete");
  });

  test("failure mid-stream: response.failed then error; open items marked incomplete; nothing after", () => {
    const { events, stream } = runStream([chunk({ content: "partial" })], {}, { message: "upstream died", code: "stream_interrupted" });
    expect(types(events).slice(-2)).toEqual(["response.failed", "error"]);
    const failed = events.at(-2) as Extract<ResponsesEvent, { type: "response.failed" }>;
    expect(failed.response.status).toBe("failed");
    expect(failed.response.error).toEqual({ code: "stream_interrupted", message: "upstream died" });
    expect(failed.response.output[0].status).toBe("incomplete");
    expect(events.at(-1)).toMatchObject({ code: "stream_interrupted", message: "upstream died", param: null });
    expect(stream.finish()).toEqual([]);
    expect(stream.push(chunk({ content: "late" }))).toEqual([]);
  });

  test("ids are consistent across events and carry their prefixes by default", () => {
    const s = new ChatToResponsesStream({ model: "m", toolNames: {} });
    const events = [
      ...s.start(),
      ...s.push(chunk({ content: "hi" })),
      ...s.push(chunk({ tool_calls: [{ index: 0, function: { name: "f", arguments: "{}" } }] }, "tool_calls")),
      ...s.finish(),
    ];
    const final = finalOf(events);
    expect(final.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(final.output[0].id).toMatch(/^msg_/);
    expect(final.output[1].id).toMatch(/^fc_/);
    expect((final.output[1] as { call_id: string }).call_id).toMatch(/^call_/);
    for (const e of events) if ("item_id" in e) expect(final.output[e.output_index].id).toBe(e.item_id);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  test("serializeEvent writes the SSE frame our parser reads back", () => {
    const { events } = runStream([chunk({ content: "a\nb" }), chunk({}, "stop")]);
    const parsed = new SseParser().push(events.map(serializeEvent).join(""));
    expect(parsed.map((p) => p.event)).toEqual(types(events));
    expect(parsed.map((p) => JSON.parse(p.data))).toEqual(events);
  });
});
