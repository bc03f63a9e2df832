import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseModel } from "../../mock/faults.ts";
import { readSse } from "../../mock/sse-reader.ts";
import { textToolCall, textToolPieces } from "../../mock/text-tool.ts";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ wire: ["chat", "responses", "messages"] });
});
afterAll(() => mock.stop());

const QWEN3 = "I'll run it.\n<tool_call>\n<function=NAME>\n<parameter=command>\necho hi\n</parameter>\n</function>\n</tool_call>";
const HERMES = '<tool_call>\n{"name": "NAME", "arguments": {"command": "echo hi"}}\n</tool_call>';
const JSON_CALL = '{"name": "NAME", "arguments": {"command": "echo hi"}}';

async function post(path: string, body: Record<string, unknown>) {
  const res = await fetch(`${mock.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res;
}

/** The content text of a streamed answer, per API, and how many content frames carried it. */
async function streamedText(path: string, body: Record<string, unknown>) {
  const events = await readSse(await post(path, { ...body, stream: true }));
  const pieces: string[] = [];
  for (const e of events) {
    if (e.data === "[DONE]") continue;
    const d = JSON.parse(e.data);
    const piece = d.choices?.[0]?.delta?.content ?? (d.type === "response.output_text.delta" ? d.delta : d.delta?.text);
    if (typeof piece === "string" && piece !== "") pieces.push(piece);
  }
  return { text: pieces.join(""), frames: pieces.length, events };
}

describe("text-tool:<format> marker", () => {
  test("parses each format; an unknown one falls back to qwen3", () => {
    expect(parseModel("m+text-tool:hermes")).toEqual({ base: "m", faults: { textTool: "hermes" }, hasMarker: true });
    expect(parseModel("m+text-tool:json").faults.textTool).toBe("json");
    expect(parseModel("m+text-tool:bogus").faults.textTool).toBe("qwen3");
  });

  test("the three texts, cut into 7-character pieces", () => {
    expect(textToolCall("qwen3", "NAME")).toBe(QWEN3);
    expect(textToolCall("hermes", "NAME")).toBe(HERMES);
    expect(textToolCall("json", "NAME")).toBe(JSON_CALL);
    const pieces = textToolPieces("qwen3", "NAME");
    expect(pieces.join("")).toBe(QWEN3);
    expect(pieces.every((p) => p.length <= 7)).toBe(true);
    // Cut inside a tag, so a repairer has to hold text back across frames.
    expect(pieces.some((p) => p.includes("<") && !p.includes(">"))).toBe(true);
  });

  test("chat: the call is content text naming the first offered tool, finish_reason stop", async () => {
    const tools = [{ type: "function", function: { name: "run_shell", parameters: { type: "object" } } }];
    const body = { model: "mock-model+text-tool:qwen3", messages: [{ role: "user", content: "go" }], tools };
    const { text, frames, events } = await streamedText("/chat/completions", body);
    expect(text).toBe(QWEN3.replace("NAME", "run_shell"));
    expect(frames).toBe(Math.ceil(QWEN3.replace("NAME", "run_shell").length / 7));
    expect(events.some((e) => e.data.includes("tool_calls"))).toBe(false);
    expect(JSON.parse(events.at(-2)!.data).choices[0].finish_reason).toBe("stop");
    const full = await (await post("/chat/completions", body)).json();
    expect(full.choices[0].message).toEqual({ role: "assistant", content: QWEN3.replace("NAME", "run_shell") });
    expect(full.choices[0].finish_reason).toBe("stop");
  });

  test("messages: a text block, stop_reason end_turn; no tools offered → Bash", async () => {
    const body = { model: "mock-model+text-tool:hermes", max_tokens: 99, messages: [{ role: "user", content: [{ type: "text", text: "go" }] }] };
    const { text, events } = await streamedText("/messages", body);
    expect(text).toBe(HERMES.replace("NAME", "Bash"));
    expect(events.some((e) => e.data.includes("tool_use"))).toBe(false);
    const full = await (await post("/messages", body)).json();
    expect(full.content).toEqual([{ type: "text", text: HERMES.replace("NAME", "Bash") }]);
    expect(full.stop_reason).toBe("end_turn");
  });

  test("responses: an output_text message with the json form", async () => {
    const body = { model: "mock-model+text-tool:json", input: "go", tools: [{ type: "function", name: "exec", parameters: {} }] };
    const { text } = await streamedText("/responses", body);
    expect(text).toBe(JSON_CALL.replace("NAME", "exec"));
    const full = await (await post("/responses", body)).json();
    expect(full.output.map((i: any) => i.type)).toEqual(["message"]);
    expect(full.output[0].content[0].text).toBe(JSON_CALL.replace("NAME", "exec"));
  });

  test("once a tool result comes back, each API answers Done: <result>", async () => {
    const model = "mock-model+text-tool:qwen3";
    const chat = await (
      await post("/chat/completions", {
        model,
        messages: [
          { role: "user", content: "go" },
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "Bash", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "c1", content: "hi" },
        ],
      })
    ).json();
    expect(chat.choices[0].message.content).toBe("Done: hi");

    const messages = [
      { role: "user", content: [{ type: "text", text: "go" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "echo hi" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "hi" }], is_error: false }] },
    ];
    const { text } = await streamedText("/messages", { model, max_tokens: 9, messages });
    expect(text).toBe("Done: hi");

    const input = [
      { role: "user", content: [{ type: "input_text", text: "go" }] },
      { type: "function_call", call_id: "c1", name: "Bash", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "hi\n" },
    ];
    const responses = await (await post("/responses", { model, input })).json();
    expect(responses.output[0].content[0].text).toBe("Done: hi\n");
  });
});
