import { describe, expect, test } from "bun:test";
import type { ChatChunk } from "../../../../src/protocol/chat.ts";
import type { MessagesEvent } from "../../../../src/protocol/messages.ts";
import { ChatToMessagesStream, serializeMessagesEvent, toMessagesUsage } from "../../../../src/protocol/translate/messages-stream.ts";
import { assertValidMessage, chunk, claudeFixture, counterIds, runStream, types, usageChunk } from "./events.ts";

const deltas = (events: MessagesEvent[]) => events.flatMap((e) => (e.type === "content_block_delta" ? [e.delta] : []));

describe("ChatToMessagesStream: text", () => {
  test("the event order of the stream Claude Code accepted, text as text_delta, usage in message_delta", () => {
    const { events, stream } = runStream([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "MOCK-OK: hello " }),
      chunk({ content: "from the Anthropic mock." }),
      chunk({}, "stop"),
      usageChunk(120, 9, 100),
    ]);
    // The recorded mock stream's order, minus its optional ping (runs of deltas counted once).
    const runs = (ts: string[]) => ts.filter((t, i) => t !== "ping" && t !== ts[i - 1]);
    const recorded = claudeFixture("text-turn-request.json").response.events.map((e: any) => e.event);
    expect(runs(types(events))).toEqual(runs(recorded));
    expect(events[0]).toEqual({
      type: "message_start",
      message: {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude-opus-5-5",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
    expect(events[1]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    expect(events.at(-2)).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { input_tokens: 20, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 },
    });
    const final = stream.final();
    assertValidMessage(final);
    expect(final.content).toEqual([{ type: "text", text: "MOCK-OK: hello from the Anthropic mock." }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage).toEqual({ input_tokens: 20, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 });
  });

  test("start() is idempotent and push() starts implicitly; inputTokens and messageId reach message_start", () => {
    const stream = new ChatToMessagesStream({ model: "m", toolNames: {}, messageId: "msg_fixed", inputTokens: 42 });
    const first = stream.push(chunk({ content: "hi" }));
    expect(first[0]).toMatchObject({ type: "message_start", message: { id: "msg_fixed", usage: { input_tokens: 42, output_tokens: 0 } } });
    expect(stream.start()).toEqual([]);
    expect(types(stream.push(chunk({ content: "!" })))).toEqual(["content_block_delta"]);
  });

  test("no usage chunk: message_delta still carries output_tokens, input_tokens stays what message_start said", () => {
    const { events, stream } = runStream([chunk({ content: "x" }, "stop")], { inputTokens: 7 });
    expect(events.at(-2)).toMatchObject({ usage: { output_tokens: 0 } });
    expect(stream.final().usage).toEqual({ input_tokens: 7, output_tokens: 0 });
  });

  test("finish_reason length → max_tokens, content_filter → refusal, null → end_turn", () => {
    expect(runStream([chunk({ content: "cut" }, "length")]).stream.final().stop_reason).toBe("max_tokens");
    expect(runStream([chunk({ content: "no" }, "content_filter")]).stream.final().stop_reason).toBe("refusal");
    expect(runStream([chunk({ content: "ended without a reason" })]).stream.final().stop_reason).toBe("end_turn");
  });

  test("an empty answer still opens no block and ends cleanly", () => {
    const { events } = runStream([chunk({ role: "assistant", content: "" }), chunk({}, "stop")]);
    expect(types(events)).toEqual(["message_start", "message_delta", "message_stop"]);
  });

  test("content after finish_reason is ignored; the usage chunk after it is not", () => {
    const { stream } = runStream([chunk({ content: "a" }, "stop"), chunk({ content: "late" }), usageChunk(5, 1)]);
    expect(stream.final().content).toEqual([{ type: "text", text: "a" }]);
    expect(stream.final().usage.output_tokens).toBe(1);
  });
});

describe("ChatToMessagesStream: thinking", () => {
  test("reasoning_content → a thinking block (signature '', no signature_delta), then the text block", () => {
    const { events, stream } = runStream([
      chunk({ reasoning_content: "The user wants " }),
      chunk({ reasoning_content: "a short answer." }),
      chunk({ content: "Done." }),
      chunk({}, "stop"),
    ]);
    expect(events[1]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } });
    expect(deltas(events).map((d) => d.type)).toEqual(["thinking_delta", "thinking_delta", "text_delta"]);
    expect(stream.final().content).toEqual([
      { type: "thinking", thinking: "The user wants a short answer.", signature: "" },
      { type: "text", text: "Done." },
    ]);
  });

  test("vLLM's `reasoning` field counts as thinking too", () => {
    const { stream } = runStream([chunk({ reasoning: "hmm" }), chunk({ content: "ok" }, "stop")]);
    expect(stream.final().content.map((b) => b.type)).toEqual(["thinking", "text"]);
  });

  test("a leading <think> span cut across chunks becomes thinking; the newline after </think> is layout", () => {
    const { stream } = runStream([chunk({ content: "<thi" }), chunk({ content: "nk>plan it</th" }), chunk({ content: "ink>\n\nAnswer." }, "stop")]);
    expect(stream.final().content).toEqual([
      { type: "thinking", thinking: "plan it", signature: "" },
      { type: "text", text: "Answer." },
    ]);
  });
});

describe("ChatToMessagesStream: tool calls", () => {
  const bash = { Bash: { name: "Bash", kind: "function" as const } };

  test("one call: tool_use block with the chat id, input {} at start, the arguments as one input_json_delta", () => {
    const { events, stream } = runStream(
      [
        chunk({ content: "I'll run it." }),
        chunk({ tool_calls: [{ index: 0, id: "call_abc", type: "function", function: { name: "Bash", arguments: "" } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"command":"echo hi",' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"description":"Print hi"}' } }] }),
        chunk({}, "tool_calls"),
      ],
      { toolNames: bash },
    );
    // The recorded tool answer's order, with the arguments in one delta instead of three.
    expect(types(events)).toEqual([
      "message_start",
      ...["content_block_start", "content_block_delta", "content_block_stop"],
      ...["content_block_start", "content_block_delta", "content_block_stop"],
      "message_delta",
      "message_stop",
    ]);
    expect(events).toContainEqual({
      type: "content_block_start",
      index: 1,
      content_block: { type: "tool_use", id: "call_abc", name: "Bash", input: {} },
    });
    const json = deltas(events).filter((d) => d.type === "input_json_delta");
    expect(json).toEqual([{ type: "input_json_delta", partial_json: '{"command":"echo hi","description":"Print hi"}' }]);
    expect(stream.final().content[1]).toEqual({
      type: "tool_use",
      id: "call_abc",
      name: "Bash",
      input: { command: "echo hi", description: "Print hi" },
    });
    expect(stream.final().stop_reason).toBe("tool_use");
  });

  test("a call goes out as soon as its arguments are whole, before finish_reason", () => {
    const stream = new ChatToMessagesStream({ model: "m", toolNames: bash, newId: counterIds() });
    stream.start();
    expect(types(stream.push(chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "Bash", arguments: '{"command":{"x":1}' } }] })))).toEqual(
      [],
    );
    expect(types(stream.push(chunk({ tool_calls: [{ index: 0, function: { arguments: "}" } }] })))).toEqual([
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
    ]);
  });

  test("the chat name maps back through toolNames; no id → a generated toolu_ id", () => {
    const toolNames = { mcp__srv__do_it: { name: "mcp__srv__do.it", kind: "function" as const } };
    const { stream } = runStream([chunk({ tool_calls: [{ index: 0, function: { name: "mcp__srv__do_it", arguments: "{}" } }] }, "tool_calls")], {
      toolNames,
    });
    expect(stream.final().content).toEqual([{ type: "tool_use", id: "toolu_2", name: "mcp__srv__do.it", input: {} }]);
  });

  test("empty, broken, cut-short and double-encoded arguments still give JSON that parses as an object", () => {
    const run = (args: string, finish = "tool_calls") => {
      const { events, stream } = runStream([chunk({ tool_calls: [{ index: 0, id: "c", function: { name: "Bash", arguments: args } }] }, finish)]);
      const sent = deltas(events).flatMap((d) => (d.type === "input_json_delta" ? [d.partial_json] : []));
      expect(sent).toHaveLength(1);
      expect(JSON.parse(sent[0])).toEqual((stream.final().content[0] as { input: unknown }).input);
      return (stream.final().content[0] as { input: unknown }).input;
    };
    expect(run("")).toEqual({});
    expect(run("not json")).toEqual({});
    expect(run('{"command":"echo h', "length")).toEqual({});
    expect(run('"{\\"command\\":\\"ls\\"}"')).toEqual({ command: "ls" });
    expect(run("[1,2]")).toEqual({});
  });

  test("two parallel calls sent one after the other become two blocks, in order", () => {
    const { events, stream } = runStream([
      chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "Bash", arguments: '{"command":"ls"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: "c2", function: { name: "Read", arguments: '{"file_path":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '"/a"}' } }] }),
      chunk({}, "tool_calls"),
      usageChunk(10, 20),
    ]);
    expect(stream.final().content).toEqual([
      { type: "tool_use", id: "c1", name: "Bash", input: { command: "ls" } },
      { type: "tool_use", id: "c2", name: "Read", input: { file_path: "/a" } },
    ]);
    expect(events.filter((e) => e.type === "content_block_start").map((e) => (e as { index: number }).index)).toEqual([0, 1]);
  });

  test("interleaved fragments: the later call waits, both come out whole and in first-seen order", () => {
    const { events, stream } = runStream([
      chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "Bash", arguments: '{"command":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: "c2", function: { name: "Read", arguments: '{"file_path":"/b"}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"pwd"}' } }] }),
      chunk({}, "tool_calls"),
    ]);
    expect(stream.final().content).toEqual([
      { type: "tool_use", id: "c1", name: "Bash", input: { command: "pwd" } },
      { type: "tool_use", id: "c2", name: "Read", input: { file_path: "/b" } },
    ]);
    expect(deltas(events)).toEqual([
      { type: "input_json_delta", partial_json: '{"command":"pwd"}' },
      { type: "input_json_delta", partial_json: '{"file_path":"/b"}' },
    ]);
  });

  test("a call whose name never came is not sent; text before it is closed first", () => {
    const { stream } = runStream([chunk({ content: "Let me" }), chunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] }, "tool_calls")]);
    expect(stream.final().content).toEqual([{ type: "text", text: "Let me" }]);
    expect(stream.final().stop_reason).toBe("end_turn");
  });

  test("servers that omit `index` are told apart by id", () => {
    const { stream } = runStream([
      chunk({ tool_calls: [{ id: "a", function: { name: "Bash", arguments: '{"command":"1"}' } }] }),
      chunk({ tool_calls: [{ id: "b", function: { name: "Bash", arguments: '{"command":"2"}' } }] }),
      chunk({}, "tool_calls"),
    ]);
    expect(stream.final().content.map((b) => (b as { id: string }).id)).toEqual(["a", "b"]);
  });
});

describe("ChatToMessagesStream: one answer, any chunking", () => {
  // An answer with every kind of block; its text is cut at every position.
  const reasoning = "Think first.";
  const content = "<think>inline</think>The answer.";
  const args = '{"command":"echo hi"}';

  function chunksCutAt(cut: number): ChatChunk[] {
    const at = (s: string) => [s.slice(0, Math.min(cut, s.length)), s.slice(Math.min(cut, s.length))].filter(Boolean);
    return [
      ...at(reasoning).map((r) => chunk({ reasoning_content: r })),
      ...at(content).map((c) => chunk({ content: c })),
      ...at(args).map((a, i) =>
        chunk({ tool_calls: [{ index: 0, ...(i === 0 ? { id: "c1", function: { name: "Bash", arguments: a } } : { function: { arguments: a } }) }] }),
      ),
      chunk({}, "tool_calls"),
      usageChunk(50, 12),
    ];
  }

  test("every split point gives the same final message", () => {
    const reference = runStream(chunksCutAt(0)).stream.final();
    assertValidMessage(reference);
    expect(reference.content.map((b) => b.type)).toEqual(["thinking", "text", "tool_use"]);
    expect(reference.content[0]).toEqual({ type: "thinking", thinking: "Think first.inline", signature: "" });
    for (let cut = 1; cut <= content.length; cut++) expect(runStream(chunksCutAt(cut)).stream.final()).toEqual(reference);
  });
});

describe("ChatToMessagesStream: fail", () => {
  test("mid-stream: one api_error event ends it, nothing else is closed", () => {
    const { events, stream } = runStream([chunk({ content: "partial" })], {}, { message: "upstream died" });
    expect(types(events)).toEqual(["message_start", "content_block_start", "content_block_delta", "error"]);
    expect(events.at(-1)).toEqual({ type: "error", error: { type: "api_error", message: "upstream died" } });
    expect(stream.finish()).toEqual([]);
    expect(stream.final().stop_reason).toBeNull();
  });

  test("no_capacity / overloaded → overloaded_error; before any output, no message_start", () => {
    const stream = new ChatToMessagesStream({ model: "m", toolNames: {} });
    expect(stream.fail({ message: "busy", code: "no_capacity" })).toEqual([{ type: "error", error: { type: "overloaded_error", message: "busy" } }]);
    expect(stream.push(chunk({ content: "x" }))).toEqual([]);
    const other = new ChatToMessagesStream({ model: "m", toolNames: {} });
    expect(other.fail({ message: "x", code: "overloaded" })[0]).toMatchObject({ error: { type: "overloaded_error" } });
  });
});

describe("serializeMessagesEvent and toMessagesUsage", () => {
  test("an event: line naming the type, the JSON on one data: line, a blank line", () => {
    expect(serializeMessagesEvent({ type: "content_block_stop", index: 2 })).toBe(
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":2}\n\n',
    );
  });

  test("cached prompt tokens are reported apart; nonsense counts become 0", () => {
    expect(toMessagesUsage({ prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 60 } })).toEqual({
      input_tokens: 40,
      output_tokens: 5,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 60,
    });
    expect(toMessagesUsage({ prompt_tokens: 10, completion_tokens: -1, prompt_tokens_details: { cached_tokens: 99 } })).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 10,
    });
  });
});
