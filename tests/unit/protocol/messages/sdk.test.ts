// The official Anthropic SDK (the client library Claude Code is built on) reads our serialized
// stream: its SSE decoder and MessageStream accumulator must rebuild exactly final().
import { describe, expect, test } from "bun:test";
import type { ChatChunk } from "../../../../src/protocol/chat.ts";
import { serializeMessagesEvent } from "../../../../src/protocol/translate/messages-stream.ts";
import { chunk, runStream, sdkFinalMessage, usageChunk } from "./events.ts";

const cases: [string, ChatChunk[]][] = [
  ["text", [chunk({ content: "Hello " }), chunk({ content: "there." }), chunk({}, "stop"), usageChunk(30, 2, 10)]],
  ["thinking then text", [chunk({ reasoning_content: "Plan." }), chunk({ content: "Sure: a later <think> is just text." }), chunk({}, "stop")]],
  [
    "text, then two interleaved tool calls",
    [
      chunk({ content: "Running both." }),
      chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "Bash", arguments: '{"command":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: "c2", function: { name: "Read", arguments: '{"file_path":"/x"}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"ls -la"}' } }] }),
      chunk({}, "tool_calls"),
      usageChunk(100, 40),
    ],
  ],
  [
    "a tool call cut at max_tokens",
    [chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "Write", arguments: '{"content":"abc' } }] }, "length")],
  ],
];

describe("the Anthropic SDK rebuilds final() from our SSE", () => {
  for (const [name, chunks] of cases) {
    test(name, async () => {
      const { events, stream } = runStream(chunks);
      expect(await sdkFinalMessage(events)).toEqual(stream.final() as unknown as Record<string, unknown>);
    });
  }

  test("the check can fail: a text_delta lost on the way gives a different message", async () => {
    const { events, stream } = runStream(cases[0][1]);
    const broken = events.filter((e, i) => !(e.type === "content_block_delta" && i === 3));
    expect(broken).toHaveLength(events.length - 1);
    expect(await sdkFinalMessage(broken)).not.toEqual(stream.final() as unknown as Record<string, unknown>);
  });

  test("without `event:` lines the SDK sees no events at all (why the serializer writes them)", async () => {
    const { events } = runStream(cases[0][1]);
    const dataOnly = events.map(serializeMessagesEvent).map((s) => s.replace(/^event: .*\n/, ""));
    const { Stream } = await import("@anthropic-ai/sdk/streaming");
    const seen: unknown[] = [];
    for await (const ev of Stream.fromSSEResponse(new Response(dataOnly.join("")), new AbortController())) seen.push(ev);
    expect(seen).toEqual([]);
  });
});
