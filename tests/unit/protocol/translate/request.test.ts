import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ChatRequest } from "../../../../src/protocol/chat.ts";
import { ResponsesRequest } from "../../../../src/protocol/responses.ts";
import { responsesToChat } from "../../../../src/protocol/translate/request.ts";
import { CODEX_FIXTURES } from "../../../helpers/fixtures.ts";

const FIXTURES = CODEX_FIXTURES.replace(/\/$/, "");
const load = (name: string): ResponsesRequest => JSON.parse(readFileSync(`${FIXTURES}/${name}`, "utf8")).body;
const chatCheck = TypeCompiler.Compile(ChatRequest);
const reqCheck = TypeCompiler.Compile(ResponsesRequest);

describe("Codex turn 1 (real request body)", () => {
  const body = load("turn1-request.json");
  const { chat, warnings, toolNames } = responsesToChat(body);

  test("the real body passes the lenient request schema, and the result the chat schema", () => {
    expect(reqCheck.Check(body)).toBe(true);
    expect(chatCheck.Check(chat)).toBe(true);
  });

  test("developer messages become one leading system message; user messages keep order", () => {
    expect(chat.messages.map((m) => m.role)).toEqual(["system", "user", "user"]);
    const sys = chat.messages[0].content as string;
    // Every developer text, in the order sent: the system prompt, then the skills and
    // permissions texts (the fixture's own texts, whatever their wording).
    const devTexts = (body.input as any[])
      .filter((i: any) => i.role === "developer")
      .flatMap((i: any) => i.content.map((c: any) => c.text as string));
    expect(devTexts).toHaveLength(3);
    expect(sys.startsWith(devTexts[0])).toBe(true);
    const at = devTexts.map((t: string) => sys.indexOf(t));
    for (const i of at) expect(i).toBeGreaterThanOrEqual(0);
    expect(at).toEqual([...at].sort((x, y) => x - y));
    expect(chat.messages[2].content).toBe("Reply with the word hello.");
    expect(JSON.stringify(chat.messages)).not.toContain("msg_01a20dc4");
  });

  test("function tools are wrapped, the namespace is flattened and recorded, web_search dropped with a warning", () => {
    const names = chat.tools!.map((t) => t.function.name);
    expect(names).toContain("exec_command");
    expect(names).toContain("multi_agent_v1__spawn_agent");
    expect(names).not.toContain("web_search");
    for (const n of names) expect(n).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(new Set(names).size).toBe(names.length);
    expect(toolNames.multi_agent_v1__spawn_agent).toEqual({ name: "spawn_agent", namespace: "multi_agent_v1", kind: "function" });
    expect(toolNames.exec_command).toEqual({ name: "exec_command", kind: "function" });
    const exec = chat.tools!.find((t) => t.function.name === "exec_command")!;
    const original = body.tools!.find((t) => (t as { name?: string }).name === "exec_command") as { parameters: unknown };
    expect(exec.function.parameters).toEqual(original.parameters);
    expect(warnings.filter((w) => w.includes("web_search"))).toHaveLength(1);
  });

  test("chat-only fields are set and Responses-only fields are not forwarded", () => {
    expect(chat.stream).toBe(true);
    expect(chat.stream_options).toEqual({ include_usage: true });
    expect(chat.tool_choice).toBe("auto");
    expect(chat.parallel_tool_calls).toBe(true);
    for (const k of ["store", "include", "prompt_cache_key", "client_metadata", "reasoning", "input", "reasoning_effort"]) {
      expect(Object.hasOwn(chat, k)).toBe(false);
    }
  });
});

describe("Codex turn 2 (tool result)", () => {
  const { chat } = responsesToChat(load("turn2-tool-result-request.json"));

  test("function_call + function_call_output become assistant tool_calls + a tool message with the same call_id", () => {
    const tail = chat.messages.slice(-2);
    expect(tail[0]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_abc", type: "function", function: { name: "exec_command", arguments: '{"cmd":"echo WF-TOOL-OK"}' } }],
    });
    expect(tail[1].role).toBe("tool");
    expect(tail[1].tool_call_id).toBe("call_abc");
    expect(tail[1].content).toContain("WF-TOOL-OK");
    expect(chat.messages.at(-3)).toEqual({ role: "user", content: "Run the command and report." });
  });
});

describe("request fields", () => {
  const base = { model: "m", input: "hi" } as ResponsesRequest;

  test("instructions and a string input", () => {
    const { chat } = responsesToChat({ ...base, instructions: "be brief" });
    expect(chat.messages).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
    ]);
    expect(chat.stream).toBeUndefined();
    expect(chat.stream_options).toBeUndefined();
  });

  test("sampling, limits, format and reasoning effort (only when the upstream accepts it)", () => {
    const req = {
      ...base,
      max_output_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ["END"],
      user: "u1",
      reasoning: { effort: "high" },
      text: { format: { type: "json_schema", name: "answer", schema: { type: "object" }, strict: true } },
      stream: false,
    } as ResponsesRequest;
    const { chat } = responsesToChat(req);
    expect(chat).toMatchObject({ max_tokens: 100, temperature: 0.2, top_p: 0.9, stop: ["END"], user: "u1", stream: false });
    expect(chat.response_format).toEqual({ type: "json_schema", json_schema: { name: "answer", schema: { type: "object" }, strict: true } });
    expect(chat.reasoning_effort).toBeUndefined();
    expect(responsesToChat(req, { acceptsReasoningEffort: true }).chat.reasoning_effort).toBe("high");
    const obj = responsesToChat({ ...base, text: { format: { type: "json_object" } } });
    expect(obj.chat.response_format).toEqual({ type: "json_object" });
  });

  test("message parts: images stay on user messages, text-only content becomes a string", () => {
    const { chat, warnings } = responsesToChat({
      model: "m",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "what is this?" },
            { type: "input_image", image_url: "data:image/png;base64,AAA", detail: "low" },
          ],
        },
        {
          type: "message",
          role: "assistant",
          content: [
            { type: "output_text", text: "a cat" },
            { type: "output_text", text: "or a fox" },
          ],
        },
        { type: "reasoning", summary: [] } as never,
        { type: "item_reference", id: "x" } as never,
      ],
    } as ResponsesRequest);
    expect(chat.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAA", detail: "low" } },
        ],
      },
      { role: "assistant", content: "a cat\nor a fox" },
    ]);
    expect(warnings).toEqual([expect.stringContaining("item_reference")]);
  });

  test("consecutive function_calls merge into the preceding assistant message, outputs follow in order", () => {
    const { chat } = responsesToChat({
      model: "m",
      input: [
        { role: "user", content: "go" },
        { role: "assistant", content: "running both" },
        { type: "function_call", call_id: "c1", name: "a", arguments: "{}" },
        { type: "function_call", call_id: "c2", name: "b", arguments: '{"x":1}' },
        { type: "function_call_output", call_id: "c1", output: "A" },
        { type: "function_call_output", call_id: "c2", output: [{ type: "input_text", text: "B" }] },
      ],
    } as ResponsesRequest);
    expect(chat.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "running both",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "a", arguments: "{}" } },
          { id: "c2", type: "function", function: { name: "b", arguments: '{"x":1}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "A" },
      { role: "tool", tool_call_id: "c2", content: "B" },
    ]);
  });

  test("a namespaced call in history uses the flattened name; tool_choice by name is mapped", () => {
    const { chat, warnings } = responsesToChat({
      model: "m",
      tools: [{ type: "namespace", name: "ns", tools: [{ type: "function", name: "f", parameters: { type: "object" } }] }],
      tool_choice: { type: "function", name: "f", namespace: "ns" } as never,
      input: [{ type: "function_call", call_id: "c1", name: "f", namespace: "ns", arguments: "{}" }],
    } as ResponsesRequest);
    expect(chat.messages[0].tool_calls![0].function.name).toBe("ns__f");
    expect(chat.tool_choice).toEqual({ type: "function", function: { name: "ns__f" } });
    expect(warnings).toEqual([]);
  });

  test("custom tools become a function taking {input}; every hosted tool is dropped with its own warning", () => {
    const hosted = ["web_search", "file_search", "computer_use_preview", "local_shell", "image_generation", "code_interpreter", "mcp", "tool_search"];
    const { chat, warnings, toolNames } = responsesToChat({
      model: "m",
      input: [{ type: "custom_tool_call", call_id: "c9", name: "apply_patch", input: "*** Begin Patch" }],
      tools: [
        { type: "custom", name: "apply_patch", description: "patch", format: { type: "grammar", syntax: "lark", definition: "start: x" } },
        ...hosted.map((type) => ({ type })),
      ],
    } as ResponsesRequest);
    expect(chat.tools!.map((t) => t.function.name)).toEqual(["apply_patch"]);
    expect(chat.tools![0].function.parameters).toMatchObject({ required: ["input"] });
    expect(chat.tools![0].function.description).toContain("start: x");
    expect(toolNames.apply_patch.kind).toBe("custom");
    expect(chat.messages[0].tool_calls![0].function.arguments).toBe(JSON.stringify({ input: "*** Begin Patch" }));
    expect(warnings).toHaveLength(hosted.length);
    for (const [i, h] of hosted.entries()) expect(warnings[i]).toContain(`"${h}"`);
  });

  test("a long or odd namespace still yields a valid, unique chat name that maps back", () => {
    const long = "x".repeat(70);
    const { chat, toolNames } = responsesToChat({
      model: "m",
      input: "hi",
      tools: [
        {
          type: "namespace",
          name: "my.ns",
          tools: [
            { type: "function", name: long },
            { type: "function", name: `${long}y` },
          ],
        },
      ],
    } as ResponsesRequest);
    const names = chat.tools!.map((t) => t.function.name);
    for (const n of names) expect(n).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(new Set(names).size).toBe(2);
    expect(toolNames[names[1]]).toEqual({ name: `${long}y`, namespace: "my.ns", kind: "function" });
  });
});

describe("deferred tools (tool_search)", () => {
  test("tool_search is dropped with a warning; deferred functions are sent up front, so they stay callable", () => {
    const req = {
      model: "m",
      input: "hi",
      tools: [
        { type: "tool_search" },
        { type: "function", name: "get_weather", defer_loading: true, parameters: { type: "object", properties: {} } },
        {
          type: "namespace",
          name: "crm",
          tools: [{ type: "function", name: "lookup", defer_loading: true, parameters: { type: "object", properties: {} } }],
        },
      ],
    } as unknown as ResponsesRequest;
    const { chat, warnings } = responsesToChat(req);
    const names = (chat.tools ?? []).map((t) => t.function.name);
    expect(names).toEqual(["get_weather", "crm__lookup"]);
    expect(JSON.stringify(chat.tools)).not.toContain("defer_loading");
    expect(warnings.join(" ")).toContain("tool_search");
  });
});
