import { describe, expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ChatChunk, type ChatCompletion } from "../../../../src/protocol/chat.ts";
import { ChatToolTextRepair, offeredTools, type RepairOptions, repairCompletion } from "../../../../src/protocol/tool-text/chat-repair.ts";
import { HERMES_CALL, QWEN_CALL, tools } from "./fixtures.ts";

const chunkCheck = TypeCompiler.Compile(ChatChunk);
const ids = () => {
  let n = 0;
  return () => `call_${++n}`;
};
const opts = (extra: Partial<RepairOptions> = {}): RepairOptions => ({ format: "auto", tools, newId: ids(), ...extra });
const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null): ChatChunk =>
  ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason }] }) as ChatChunk;

function run(chunks: ChatChunk[], repair = new ChatToolTextRepair(opts())): ChatChunk[] {
  const out = [...chunks.flatMap((c) => repair.push(c)), ...repair.end()];
  for (const c of out) expect(chunkCheck.Check(c)).toBe(true);
  return out;
}

/** What a client accumulating the stream ends up with. */
function accumulate(out: ChatChunk[]) {
  let content = "";
  const calls: { index: number; id: string; name: string; arguments: string }[] = [];
  let finish: string | null | undefined = null;
  for (const c of out) {
    const ch = c.choices[0];
    if (!ch) continue;
    content += ch.delta?.content ?? "";
    for (const t of ch.delta?.tool_calls ?? [])
      calls.push({ index: t.index!, id: t.id!, name: t.function!.name!, arguments: t.function!.arguments! });
    if (ch.finish_reason) finish = ch.finish_reason;
  }
  return { content, calls, finish };
}

describe("ChatToolTextRepair", () => {
  test("a Qwen XML call cut over chunks becomes a tool_calls delta before the finish, which turns into tool_calls", () => {
    const text = `Running.\n${QWEN_CALL}`;
    const parts = [text.slice(0, 12), text.slice(12, 40), text.slice(40)];
    const out = run([chunk({ role: "assistant", content: "" }), ...parts.map((p) => chunk({ content: p })), chunk({}, "stop")]);
    expect(accumulate(out)).toEqual({
      content: "Running.\n",
      calls: [{ index: 0, id: "call_1", name: "Bash", arguments: '{"command":"echo hi","timeout":5000}' }],
      finish: "tool_calls",
    });
    expect(out.at(-1)?.choices[0].finish_reason).toBe("tool_calls");
    expect(out.at(-2)?.choices[0].delta?.tool_calls?.[0].type).toBe("function");
  });

  test("every split of the content gives the same accumulated answer", () => {
    const text = `a ${HERMES_CALL} b`;
    for (let i = 0; i <= text.length; i++) {
      const out = run([chunk({ content: text.slice(0, i) }), chunk({ content: text.slice(i) }, "stop")]);
      expect(accumulate(out)).toEqual({
        content: "a  b",
        calls: [{ index: 0, id: "call_1", name: "Bash", arguments: '{"command":"echo hi"}' }],
        finish: "tool_calls",
      });
    }
  });

  test("chunks it does not change are passed on as the same object; plain text keeps finish stop", () => {
    const role = chunk({ role: "assistant", content: "" });
    const hello = chunk({ content: "Hello" });
    const reasoning = chunk({ reasoning_content: "hmm" });
    const stop = chunk({}, "stop");
    const usage = { id: "chatcmpl-1", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } } as ChatChunk;
    const out = run([role, reasoning, hello, stop, usage]);
    expect(out).toHaveLength(5);
    const inputs = [role, reasoning, hello, stop, usage];
    expect(out.every((c, i) => c === inputs[i])).toBe(true);
  });

  test("a chunk whose content is all held: kept without content when it says more (role), dropped when not", () => {
    const repair = new ChatToolTextRepair(opts());
    const first = repair.push(chunk({ role: "assistant", content: "<tool_" }));
    expect(first).toHaveLength(1);
    expect(first[0].choices[0].delta).toEqual({ role: "assistant" });
    expect(repair.push(chunk({ content: "call>" }))).toEqual([]);
    // Held text that proves to be prose is released in the next chunk, whole.
    expect(accumulate(repair.push(chunk({ content: " tag" }))).content).toBe("<tool_call> tag");
  });

  test("repaired indexes continue after the upstream's own tool calls", () => {
    const real = chunk({ tool_calls: [{ index: 0, id: "real_0", type: "function", function: { name: "Read", arguments: "{}" } }] });
    const out = run([real, chunk({ content: HERMES_CALL }), chunk({ content: HERMES_CALL }), chunk({}, "tool_calls")]);
    expect(out[0]).toBe(real);
    expect(accumulate(out).calls.map((c) => [c.index, c.id])).toEqual([
      [0, "real_0"],
      [1, "call_1"],
      [2, "call_2"],
    ]);
  });

  test("finish_reason length is kept; the finish chunk's own content is resolved before it", () => {
    const out = run([chunk({ content: "<tool_call>\n" }), chunk({ content: '{"name": "Bash", "arguments": {"command": "ls"}}' }, "length")]);
    expect(accumulate(out)).toEqual({
      content: "",
      calls: [{ index: 0, id: "call_1", name: "Bash", arguments: '{"command":"ls"}' }],
      finish: "length",
    });
    expect(out.at(-1)?.choices[0].finish_reason).toBe("length");
  });

  test("a stream that ends without a finish_reason releases what is held", () => {
    const repair = new ChatToolTextRepair(opts());
    expect(repair.push(chunk({ content: "see <tool_call" }))).toHaveLength(1);
    const tail = repair.end();
    expect(accumulate(tail).content).toBe("<tool_call");
    expect(tail[0].id).toBe("chatcmpl-1");
    expect(repair.end()).toEqual([]);
    expect(repair.calls).toBe(0);
  });

  test("format off: every chunk is the same object", () => {
    const cs = [chunk({ content: HERMES_CALL }), chunk({}, "stop")];
    const out = run(cs, new ChatToolTextRepair(opts({ format: "off" })));
    expect(out).toHaveLength(2);
    expect(out.every((c, i) => c === cs[i])).toBe(true);
  });

  test("calls counts repaired calls", () => {
    const repair = new ChatToolTextRepair(opts());
    run([chunk({ content: `${HERMES_CALL}${QWEN_CALL}` }), chunk({}, "stop")], repair);
    expect(repair.calls).toBe(2);
  });
});

describe("repairCompletion", () => {
  const completion = (content: string | null, finish = "stop", tool_calls?: unknown[]): ChatCompletion =>
    ({ id: "c", choices: [{ index: 0, message: { role: "assistant", content, tool_calls }, finish_reason: finish }] }) as ChatCompletion;

  test("content keeps the text, calls join tool_calls, finish becomes tool_calls", () => {
    const { completion: c, calls } = repairCompletion(completion(`Sure.\n${QWEN_CALL}\n`), opts());
    expect(calls).toBe(1);
    expect(c.choices[0].message.content).toBe("Sure.\n");
    expect(c.choices[0].message.tool_calls).toEqual([
      { id: "call_1", type: "function", function: { name: "Bash", arguments: '{"command":"echo hi","timeout":5000}' } },
    ]);
    expect(c.choices[0].finish_reason).toBe("tool_calls");
  });

  test("content that was only calls becomes null; existing tool_calls stay first; input untouched", () => {
    const existing = { id: "real", type: "function", function: { name: "Read", arguments: "{}" } };
    const input = completion(HERMES_CALL, "stop", [existing]);
    const { completion: c } = repairCompletion(input, opts());
    expect(c.choices[0].message.content).toBeNull();
    expect(c.choices[0].message.tool_calls?.map((t) => t.id)).toEqual(["real", "call_1"]);
    expect(input.choices[0].message.content).toBe(HERMES_CALL);
  });

  test("no call found: the same object, calls 0", () => {
    for (const input of [completion("just text"), completion(null), completion('<tool_call>{"name": "Nope", "arguments": {}}</tool_call>')]) {
      const r = repairCompletion(input, opts());
      expect(r.completion).toBe(input);
      expect(r.calls).toBe(0);
    }
  });

  test("finish_reason length is kept", () => {
    expect(repairCompletion(completion(HERMES_CALL, "length"), opts()).completion.choices[0].finish_reason).toBe("length");
  });
});

describe("offeredTools", () => {
  test("function tools only, with their parameters", () => {
    const params = { type: "object" };
    expect(
      offeredTools([
        { type: "function", function: { name: "Bash", parameters: params } },
        { type: "web_search" },
        { type: "function", function: { description: "no name" } },
        "junk",
        { type: "function", function: { name: "Read" } },
      ]),
    ).toEqual([
      { name: "Bash", parameters: params },
      { name: "Read", parameters: undefined },
    ]);
    expect(offeredTools(undefined)).toEqual([]);
    expect(offeredTools({})).toEqual([]);
  });
});
