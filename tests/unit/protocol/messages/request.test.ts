import { describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ChatRequest } from "../../../../src/protocol/chat.ts";
import type { MessagesRequest } from "../../../../src/protocol/messages.ts";
import { isBillingHeader, messagesToChat } from "../../../../src/protocol/translate/messages-request.ts";
import { claudeFixture, claudeFixtures } from "./events.ts";

const chatCheck = TypeCompiler.Compile(ChatRequest);
const body = (name: string): MessagesRequest => claudeFixture(name).body;
const req = (over: Partial<MessagesRequest> & Record<string, unknown>): MessagesRequest => ({ model: "m", messages: [], ...over }) as MessagesRequest;
const user = (content: unknown) => ({ role: "user", content }) as MessagesRequest["messages"][number];
const assistant = (content: unknown) => ({ role: "assistant", content }) as MessagesRequest["messages"][number];
const system = (content: unknown) => ({ role: "system", content }) as MessagesRequest["messages"][number];

describe("every recorded Claude Code request", () => {
  for (const [name, rec] of claudeFixtures()) {
    test(`${name}: a valid chat request, no warnings, one leading system message, no billing header`, () => {
      const { chat, warnings } = messagesToChat(rec.body, { maxTokens: 8192 });
      expect(chatCheck.Check(chat)).toBe(true);
      expect(warnings).toEqual([]);
      expect(chat.messages.filter((m) => m.role === "system")).toHaveLength(1);
      expect(chat.messages[0].role).toBe("system");
      expect(JSON.stringify(chat)).not.toContain("x-anthropic-billing-header");
      expect(chat.max_tokens).toBe(8192);
      expect(chat.stream).toBe(rec.body.stream);
      // Accepted, not forwarded: Claude Code sends them every time.
      for (const k of ["thinking", "context_management", "output_config", "metadata", "reasoning_effort", "user"]) expect(chat).not.toHaveProperty(k);
      expect(JSON.stringify(chat)).not.toContain("cache_control");
    });
  }
});

describe("the tool round trip (tool-result-request.json)", () => {
  const b = body("tool-result-request.json");
  const { chat, toolNames } = messagesToChat(b);

  test("system field (minus billing) + the in-conversation system message form the leading system message", () => {
    expect(chat.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    const sys = b.system as { text: string }[];
    expect(chat.messages[0].content).toBe([sys[1].text, sys[2].text, b.messages[1].content].join("\n\n"));
  });

  test("user text blocks join into one string; assistant text + tool_use → content + tool_calls; tool_result → tool message", () => {
    const blocks = b.messages[0].content as { text: string }[];
    expect(chat.messages[1]).toEqual({ role: "user", content: `${blocks[0].text}\n\n${blocks[1].text}` });
    expect(chat.messages[2]).toEqual({
      role: "assistant",
      content: "I'll run it.",
      tool_calls: [
        { id: "toolu_mock0001", type: "function", function: { name: "Bash", arguments: '{"command":"echo hi","description":"Print hi"}' } },
      ],
    });
    expect(chat.messages[3]).toEqual({ role: "tool", tool_call_id: "toolu_mock0001", content: "hi" });
  });

  test("all 12 tools offered (DeferredToolPlaceholder too), $schema stripped, the rest of each schema untouched", () => {
    expect(chat.tools!.map((t) => t.function.name)).toEqual(b.tools!.map((t) => (t as { name: string }).name));
    expect(chat.tools!.map((t) => t.function.name)).toContain("DeferredToolPlaceholder");
    const bash = chat.tools!.find((t) => t.function.name === "Bash")!.function;
    const { $schema, ...rest } = (b.tools!.find((t) => (t as { name: string }).name === "Bash") as { input_schema: Record<string, unknown> })
      .input_schema;
    expect($schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(bash.parameters).toEqual(rest);
    expect(JSON.stringify(chat.tools)).not.toContain("$schema");
    expect(toolNames.Bash).toEqual({ name: "Bash", kind: "function" });
    expect(chat.tool_choice).toBeUndefined();
  });

  test("the stream asks for usage", () => {
    expect(chat.stream_options).toEqual({ include_usage: true });
  });
});

describe("history", () => {
  test("thinking goes back as reasoning_content (signed or not); redacted_thinking silently dropped", () => {
    const { chat } = messagesToChat(body("thinking-history-request.json"));
    expect(chat.messages[2]).toMatchObject({
      role: "assistant",
      reasoning_content: "The user wants a short answer; mock thinking.",
      content: "I'll run it.",
    });
    const r = messagesToChat(
      req({
        messages: [
          user("q"),
          assistant([
            { type: "redacted_thinking", data: "x" },
            { type: "thinking", thinking: "t", signature: "" },
            { type: "text", text: "a" },
          ]),
        ],
      }),
    );
    expect(r.chat.messages[1]).toEqual({ role: "assistant", content: "a", reasoning_content: "t" });
    expect(r.warnings).toEqual([]);
  });

  test("tool results come first, right after the assistant turn; the rest of the user message follows", () => {
    const { chat } = messagesToChat(
      req({
        messages: [
          user("go"),
          assistant([
            { type: "tool_use", id: "a", name: "Bash", input: { command: "x" } },
            { type: "tool_use", id: "b", name: "Bash", input: {} },
          ]),
          user([
            { type: "text", text: "also this" },
            {
              type: "tool_result",
              tool_use_id: "a",
              content: [
                { type: "text", text: "out1" },
                { type: "text", text: "out2" },
              ],
            },
            { type: "tool_result", tool_use_id: "b", content: "boom", is_error: true },
          ]),
        ],
      }),
    );
    expect(chat.messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: expect.any(Array) },
      { role: "tool", tool_call_id: "a", content: "out1\n\nout2" },
      { role: "tool", tool_call_id: "b", content: "Error: boom" },
      { role: "user", content: "also this" },
    ]);
  });

  test("images: base64 → data URL, url kept; an image a tool returned moves to the user message after the tool messages", () => {
    const png = { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } };
    const { chat, warnings } = messagesToChat(
      req({
        messages: [
          user([{ type: "text", text: "see" }, png, { type: "image", source: { type: "url", url: "https://x/y.jpg" } }]),
          assistant([{ type: "tool_use", id: "s", name: "Read", input: { file_path: "/a.png" } }]),
          user([{ type: "tool_result", tool_use_id: "s", content: [{ type: "text", text: "the image:" }, png] }]),
          user([
            { type: "image", source: { type: "file", file_id: "f1" } },
            { type: "text", text: "and" },
          ]),
        ],
      }),
    );
    expect(chat.messages[0].content).toEqual([
      { type: "text", text: "see" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
      { type: "image_url", image_url: { url: "https://x/y.jpg" } },
    ]);
    expect(chat.messages[2]).toEqual({ role: "tool", tool_call_id: "s", content: "the image:" });
    expect(chat.messages[3]).toEqual({
      role: "user",
      content: [
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        { type: "text", text: "and" },
      ],
    });
    expect(warnings).toEqual([expect.stringContaining('source "file"')]);
  });

  test("a system message after an assistant turn becomes a <system-reminder> in the user message it follows", () => {
    const { chat } = messagesToChat(req({ system: "S", messages: [user("u1"), system("early"), assistant("a1"), user("u2"), system("late")] }));
    expect(chat.messages).toEqual([
      { role: "system", content: "S\n\nearly" },
      { role: "user", content: "u1" },
      { role: "assistant", content: "a1" },
      { role: "user", content: "u2\n\n<system-reminder>\nlate\n</system-reminder>" },
    ]);
  });

  test("a late system message between a tool call and its result waits until after the tool messages", () => {
    const { chat } = messagesToChat(
      req({
        messages: [
          user("u1"),
          assistant([{ type: "tool_use", id: "t", name: "Bash", input: {} }]),
          system([{ type: "text", text: "<system-reminder>already wrapped</system-reminder>", cache_control: { type: "ephemeral" } }]),
          user([
            { type: "tool_result", tool_use_id: "t", content: "ok" },
            { type: "text", text: "next" },
          ]),
          system("at the end, after an assistant"),
        ],
      }),
    );
    expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "user"]);
    expect(chat.messages[3].content).toBe(
      "<system-reminder>already wrapped</system-reminder>\n\nnext\n\n<system-reminder>\nat the end, after an assistant\n</system-reminder>",
    );
  });

  test("a late system message with no user message after it still gets one, after the tool messages", () => {
    const { chat } = messagesToChat(
      req({
        messages: [user("u"), assistant([{ type: "tool_use", id: "t", name: "Bash", input: {} }]), user([{ type: "tool_result", tool_use_id: "t" }])],
      }),
    );
    expect(chat.messages.at(-1)).toEqual({ role: "tool", tool_call_id: "t", content: "" });
    const late = messagesToChat(req({ messages: [user("u"), assistant("a"), system("r"), assistant("b")] }));
    expect(late.chat.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });

  test("consecutive messages of one role merge, so roles alternate", () => {
    const { chat } = messagesToChat(
      req({ messages: [user("a"), user([{ type: "text", text: "b" }]), assistant("c"), assistant([{ type: "text", text: "d" }])] }),
    );
    expect(chat.messages).toEqual([
      { role: "user", content: "a\n\nb" },
      { role: "assistant", content: "c\n\nd" },
    ]);
  });

  test("only the FIRST billing-header block is dropped; a string system is kept whole", () => {
    const header = "x-anthropic-billing-header: cc_version=2.1.332.6de; cc_entrypoint=sdk-cli;";
    expect(isBillingHeader(header)).toBe(true);
    expect(isBillingHeader("You are Claude. x-anthropic-billing-header: no")).toBe(false);
    const blocks = [
      { type: "text", text: "A" },
      { type: "text", text: header },
      { type: "text", text: header },
    ];
    expect(messagesToChat(req({ system: blocks as never })).chat.messages[0].content).toBe(`A\n\n${header}`);
    expect(messagesToChat(req({ system: "plain" })).chat.messages).toEqual([{ role: "system", content: "plain" }]);
  });

  test("unknown blocks are dropped with one warning per kind, however often they repeat", () => {
    const doc = { type: "document", source: { type: "text", data: "x" } };
    const { chat, warnings } = messagesToChat(
      req({ messages: [user([doc, { type: "text", text: "q" }]), assistant("a"), user([doc, { type: "text", text: "r" }])] }),
    );
    expect(chat.messages.map((m) => m.content)).toEqual(["q", "a", "r"]);
    expect(warnings).toEqual(['a "document" block in a user message was dropped: no chat equivalent']);
  });
});

describe("tools and tool_choice", () => {
  const tools = [{ name: "Bash", input_schema: { type: "object", properties: { c: { type: "string" } } } }, { name: "my.tool" }];

  test("server tools are dropped with a warning; names are made chat-safe and restorable; no schema → empty object", () => {
    const { chat, toolNames, warnings } = messagesToChat(req({ tools: [...tools, { type: "web_search_20250305", name: "web_search" }] as never }));
    expect(chat.tools).toEqual([
      { type: "function", function: { name: "Bash", parameters: tools[0].input_schema } },
      { type: "function", function: { name: "my_tool", parameters: { type: "object", properties: {} } } },
    ]);
    expect(toolNames.my_tool).toEqual({ name: "my.tool", kind: "function" });
    expect(warnings).toEqual([expect.stringContaining('"web_search_20250305" was dropped')]);
  });

  test("history tool calls use the chat-safe name too", () => {
    const { chat } = messagesToChat(
      req({ tools: tools as never, messages: [user("x"), assistant([{ type: "tool_use", id: "1", name: "my.tool", input: {} }])] }),
    );
    expect(chat.messages[1].tool_calls![0].function.name).toBe("my_tool");
  });

  const choice = (tool_choice: unknown) => messagesToChat(req({ tools: tools as never, tool_choice: tool_choice as never }));

  test("auto → auto, any → required, none → none, tool → that function, disable_parallel_tool_use → parallel_tool_calls false", () => {
    expect(choice({ type: "auto" }).chat.tool_choice).toBe("auto");
    expect(choice({ type: "any" }).chat.tool_choice).toBe("required");
    expect(choice({ type: "none" }).chat.tool_choice).toBe("none");
    expect(choice({ type: "tool", name: "my.tool" }).chat.tool_choice).toEqual({ type: "function", function: { name: "my_tool" } });
    expect(choice({ type: "auto", disable_parallel_tool_use: true }).chat.parallel_tool_calls).toBe(false);
    expect(choice({ type: "auto" }).chat).not.toHaveProperty("parallel_tool_calls");
  });

  test("a tool choice naming an unknown tool falls back to auto with a warning; without tools a forcing choice is dropped", () => {
    const r = choice({ type: "tool", name: "Nope" });
    expect(r.chat.tool_choice).toBe("auto");
    expect(r.warnings).toHaveLength(1);
    const none = messagesToChat(req({ tool_choice: { type: "any" } }));
    expect(none.chat).not.toHaveProperty("tool_choice");
    expect(none.warnings).toEqual(["tool_choice was dropped: no tool survived translation"]);
    expect(messagesToChat(req({ tool_choice: { type: "auto" } })).warnings).toEqual([]);
  });
});

describe("sampling and options", () => {
  test("max_tokens is clamped to opts.maxTokens, kept when lower, left unset when absent", () => {
    expect(messagesToChat(req({ max_tokens: 128000 }), { maxTokens: 16384 }).chat.max_tokens).toBe(16384);
    expect(messagesToChat(req({ max_tokens: 1000 }), { maxTokens: 16384 }).chat.max_tokens).toBe(1000);
    expect(messagesToChat(req({ max_tokens: 64000 })).chat.max_tokens).toBe(64000);
    expect(messagesToChat(req({}), { maxTokens: 16384 }).chat).not.toHaveProperty("max_tokens");
  });

  test("temperature, top_p and stop_sequences are copied; top_k is dropped with a warning", () => {
    const { chat, warnings } = messagesToChat(req({ temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ["END"] }));
    expect(chat).toMatchObject({ temperature: 0.2, top_p: 0.9, stop: ["END"] });
    expect(chat).not.toHaveProperty("top_k");
    expect(warnings).toEqual(["top_k was dropped: chat completions has no such parameter"]);
  });

  test("output_config.effort → reasoning_effort only when the upstream accepts it ('max' → 'high')", () => {
    expect(messagesToChat(req({ output_config: { effort: "medium" } })).chat).not.toHaveProperty("reasoning_effort");
    expect(messagesToChat(req({ output_config: { effort: "medium" } }), { acceptsReasoningEffort: true }).chat.reasoning_effort).toBe("medium");
    expect(messagesToChat(req({ output_config: { effort: "max" } }), { acceptsReasoningEffort: true }).chat.reasoning_effort).toBe("high");
    expect(messagesToChat(req({ output_config: { effort: "weird" } }), { acceptsReasoningEffort: true }).chat).not.toHaveProperty("reasoning_effort");
  });

  test("stream false (the non-streaming fallback) asks for no stream_options", () => {
    const { chat } = messagesToChat(body("nonstreaming-fallback-request.json"));
    expect(chat.stream).toBe(false);
    expect(chat).not.toHaveProperty("stream_options");
    expect(chat.max_tokens).toBe(64000);
  });
});
