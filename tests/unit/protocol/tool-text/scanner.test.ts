import { describe, expect, test } from "bun:test";
import type { ScanOptions, ToolCallFormat } from "../../../../src/protocol/tool-text/format.ts";
import { DEFAULT_HOLD_LIMIT, scanWhole, ToolTextScanner } from "../../../../src/protocol/tool-text/scanner.ts";
import { call, everyCut, HERMES_CALL, JSON_ANSWER, QWEN_CALL, releaseTrace, scanParts, text, tools } from "./fixtures.ts";

const opts = (format: ToolCallFormat, extra: Partial<ScanOptions> = {}): ScanOptions => ({ format, tools, ...extra });
const echoHi = call("Bash", { command: "echo hi" });

describe("each format, whole answers", () => {
  test("qwen3-coder: typed by the schema (timeout integer), text before kept", () => {
    expect(scanWhole(`Let me run it.\n${QWEN_CALL}`, opts("qwen3-coder"))).toEqual([
      text("Let me run it.\n"),
      call("Bash", { command: "echo hi", timeout: 5000 }),
    ]);
  });

  test("hermes: arguments as an object, as a JSON string, or named parameters", () => {
    expect(scanWhole(HERMES_CALL, opts("hermes"))).toEqual([echoHi]);
    const asString = '<tool_call>{"name": "Bash", "arguments": "{\\"command\\": \\"echo hi\\"}"}</tool_call>';
    expect(scanWhole(asString, opts("hermes"))).toEqual([echoHi]);
    const params = '<tool_call>{"name": "Bash", "parameters": {"command": "echo hi"}}</tool_call>';
    expect(scanWhole(params, opts("hermes"))).toEqual([echoHi]);
  });

  test("json: bare, fenced, an array, a tool_calls wrapper and OpenAI's function shape", () => {
    expect(scanWhole(`  \n${JSON_ANSWER}\n`, opts("json"))).toEqual([echoHi]);
    expect(scanWhole("```json\n" + JSON_ANSWER + "\n```\n", opts("json"))).toEqual([echoHi]);
    expect(scanWhole("```\n" + JSON_ANSWER + "\n```", opts("json"))).toEqual([echoHi]);
    const two = `[${JSON_ANSWER}, {"name": "Read", "arguments": {"file_path": "/a"}}]`;
    expect(scanWhole(two, opts("json"))).toEqual([echoHi, call("Read", { file_path: "/a" })]);
    expect(scanWhole(`{"tool_calls": [${JSON_ANSWER}]}`, opts("json"))).toEqual([echoHi]);
    const fn = '{"type": "function", "function": {"name": "Bash", "arguments": "{\\"command\\":\\"echo hi\\"}"}}';
    expect(scanWhole(fn, opts("json"))).toEqual([echoHi]);
  });

  test("qwen3-coder: a missing </tool_call> at the very end of the answer is accepted", () => {
    const cut = QWEN_CALL.slice(0, -"</tool_call>".length);
    expect(scanWhole(cut, opts("qwen3-coder"))).toEqual([call("Bash", { command: "echo hi", timeout: 5000 })]);
    // …but while the stream is open the call is still held, not decided.
    const s = new ToolTextScanner(opts("qwen3-coder"));
    expect(s.push(cut)).toEqual([]);
    expect(s.end()).toEqual([call("Bash", { command: "echo hi", timeout: 5000 })]);
  });
});

describe("streaming cut anywhere gives the whole answer's pieces", () => {
  const cases: [string, ToolCallFormat, string, ReturnType<typeof text>[] | unknown[]][] = [
    [
      "qwen3-coder",
      "qwen3-coder",
      `Let me run it.\n${QWEN_CALL}\nDone.`,
      [text("Let me run it.\n"), call("Bash", { command: "echo hi", timeout: 5000 }), text("\nDone.")],
    ],
    ["hermes", "hermes", `Sure <b>.\n${HERMES_CALL}`, [text("Sure <b>.\n"), echoHi]],
    ["json", "json", "```json\n" + JSON_ANSWER + "\n```", [echoHi]],
    [
      "auto, both tag formats",
      "auto",
      `a<tool_c ${QWEN_CALL}\n\n${HERMES_CALL} z`,
      [text("a<tool_c "), call("Bash", { command: "echo hi", timeout: 5000 }), echoHi, text(" z")],
    ],
    [
      "malformed",
      "auto",
      `x <tool_call>\n{"name": "Bash", "arguments": {"command": }}\n</tool_call> y`,
      [text(`x <tool_call>\n{"name": "Bash", "arguments": {"command": }}\n</tool_call> y`)],
    ],
  ];
  for (const [name, format, answer, expected] of cases) {
    test(name, () => {
      expect(scanWhole(answer, opts(format))).toEqual(expected as never);
      for (const parts of everyCut(answer)) expect(scanParts(parts, opts(format))).toEqual(expected as never);
    });
  }
});

describe("text is released as soon as it cannot start a call", () => {
  test("text before <tool_call> is out by the push that makes it unambiguous; the call by the push closing it", () => {
    const before = "Let me check <b> first.\n";
    const answer = before + QWEN_CALL + " after";
    const { released, calls } = releaseTrace(answer, opts("auto"));
    const open = before.length;
    const close = open + QWEN_CALL.length;
    for (let k = 0; k <= open; k++) {
      // At most a cut "<tool_call" (10 chars) may wait; a '<' that turned out otherwise is out.
      expect(answer.startsWith(released[k])).toBe(true);
      expect(released[k].length).toBeGreaterThanOrEqual(k - 10);
    }
    expect(released[open]).toBe(before);
    expect(released[before.indexOf("<b>") + 2]).toBe("Let me check <b");
    expect(calls[close - 1]).toBe(0);
    expect(released[close - 1]).toBe(before);
    expect(calls[close]).toBe(1);
    expect(released.at(-1)).toBe(before + " after");
  });

  test("auto: an answer starting with prose is not held for the json format", () => {
    const { released } = releaseTrace("Hi {x}", opts("auto"));
    expect(released.slice(1)).toEqual(["H", "Hi", "Hi ", "Hi {", "Hi {x", "Hi {x}"]);
  });

  test("prose naming the tag is released at its first byte that no call format allows", () => {
    const { released } = releaseTrace("Use <tool_call> tags", opts("auto"));
    // Whitespace may come before `<function=` or `{`, so the space alone decides nothing.
    expect(released["Use <tool_call> ".length]).toBe("Use ");
    expect(released["Use <tool_call> t".length]).toBe("Use <tool_call> t");
  });

  test("qwen3-coder naming a tool that was not offered is released once the name is known", () => {
    const answer = "<tool_call>\n<function=Write>\n<parameter=x>\n1\n</parameter>\n</function>\n</tool_call>";
    const { released } = releaseTrace(answer, opts("auto"));
    expect(released["<tool_call>\n<function=Write".length]).toBe("");
    expect(released["<tool_call>\n<function=Write>".length]).toBe("<tool_call>\n<function=Write>");
    expect(scanWhole(answer, opts("auto"))).toEqual([text(answer)]);
  });
});

describe("what stays text", () => {
  const exact = (answer: string, format: ToolCallFormat = "auto") => expect(scanWhole(answer, opts(format))).toEqual([text(answer)]);

  test("malformed calls keep their exact text", () => {
    exact('<tool_call>\n{"name": "Bash", "arguments": {"command": "echo hi"}\n</tool_call>'); // one brace short
    exact("<tool_call>\n<function=Bash>\n<parameter=command>\necho hi\n</function>\n</tool_call>"); // no </parameter>
    exact("<tool_call>\n<function=Bash>\n<parameter=command>\necho hi\n</parameter>\n</tool_call>"); // no </function>
    exact("<tool_call>\n<function=Bash>\n<parameter=command>\necho hi\n</parameter>\nstray\n</function>\n</tool_call>");
    exact('<tool_call>\n{"name": "Bash", "arguments": {"command": "ec'); // cut off at the end
    exact("<tool_call>\n<function=Bash>\n<parameter=command>\necho"); // cut off at the end
    exact("<tool_call>\n<function"); // cut off in the opener
  });

  test("a call naming a tool that was not offered", () => {
    exact('<tool_call>\n{"name": "Write", "arguments": {"command": "echo hi"}}\n</tool_call>');
    exact("<tool_call>\n<function=bash>\n<parameter=command>\nls\n</parameter>\n</function>\n</tool_call>");
    exact('{"name": "Write", "arguments": {}}', "json");
  });

  test("schema-invalid arguments: the call stays text (the agent could not run it)", () => {
    exact('<tool_call>{"name": "Bash", "arguments": {"timeout": 5}}</tool_call>'); // required command missing
    exact('<tool_call>{"name": "Bash", "arguments": {"command": "ls", "timeout": "5s"}}</tool_call>'); // timeout not an integer
    exact('<tool_call>{"name": "Bash", "arguments": {"command": "ls", "cwd": "/"}}</tool_call>'); // additionalProperties: false
    exact("<tool_call>\n<function=Bash>\n<parameter=command>\nls\n</parameter>\n<parameter=timeout>\n5.5\n</parameter>\n</function>\n</tool_call>");
    exact('<tool_call>{"name": "Bash", "arguments": [1]}</tool_call>'); // arguments not an object
    // The same calls with valid arguments do become calls, so the refusals above are the schema's doing.
    expect(scanWhole('<tool_call>{"name": "Bash", "arguments": {"command": "ls", "timeout": 5}}</tool_call>', opts("auto"))).toEqual([
      call("Bash", { command: "ls", timeout: 5 }),
    ]);
  });

  test("format off, and no tools offered: never a call, text unchanged", () => {
    const answer = `  ${HERMES_CALL}\n`;
    expect(scanWhole(answer, opts("off"))).toEqual([text(answer)]);
    expect(scanWhole(answer, { format: "auto", tools: [] })).toEqual([text(answer)]);
    const off = new ToolTextScanner(opts("off"));
    expect(off.push("<tool_")).toEqual([text("<tool_")]); // not even a tail is held
  });

  test("a text-only answer passes through exactly, whitespace included", () => {
    for (const answer of ["  hello\n\n", "\n", "a <tool_call", "[1] see {x}", "```python\nprint(1)\n```"]) {
      for (const parts of everyCut(answer)) expect(scanParts(parts, opts("auto"))).toEqual([text(answer)]);
    }
  });
});

describe("several calls and the text around them", () => {
  test("two calls in order; whitespace between and after is dropped, other text kept", () => {
    const answer = `\nFirst:\n${QWEN_CALL}\n\n${HERMES_CALL}\nthen\n${HERMES_CALL}\n\n`;
    expect(scanWhole(answer, opts("auto"))).toEqual([
      text("\nFirst:\n"),
      call("Bash", { command: "echo hi", timeout: 5000 }),
      echoHi,
      text("\nthen\n"),
      echoHi,
    ]);
    const s = new ToolTextScanner(opts("auto"));
    s.push(answer);
    s.end();
    expect(s.calls).toBe(3);
  });

  test("a refused <tool_call> is given back and a real call after it is still found", () => {
    const answer = `I will use a <tool_call>{ block: ${HERMES_CALL}`;
    expect(scanWhole(answer, opts("auto"))).toEqual([text("I will use a <tool_call>{ block: "), echoHi]);
  });

  test("leading whitespace before a call is layout", () => {
    expect(scanWhole(`\n\n${HERMES_CALL}`, opts("auto"))).toEqual([echoHi]);
  });
});

describe("auto tells formats apart; the others read only their own", () => {
  test("auto reads all three", () => {
    expect(scanWhole(QWEN_CALL, opts("auto"))).toEqual([call("Bash", { command: "echo hi", timeout: 5000 })]);
    expect(scanWhole(HERMES_CALL, opts("auto"))).toEqual([echoHi]);
    expect(scanWhole(JSON_ANSWER, opts("auto"))).toEqual([echoHi]);
  });

  test("hermes does not read Qwen XML, qwen3-coder not Hermes JSON, and neither a bare JSON answer", () => {
    expect(scanWhole(QWEN_CALL, opts("hermes"))).toEqual([text(QWEN_CALL)]);
    expect(scanWhole(HERMES_CALL, opts("qwen3-coder"))).toEqual([text(HERMES_CALL)]);
    expect(scanWhole(JSON_ANSWER, opts("hermes"))).toEqual([text(JSON_ANSWER)]);
    expect(scanWhole(JSON_ANSWER, opts("qwen3-coder"))).toEqual([text(JSON_ANSWER)]);
    expect(scanWhole(HERMES_CALL, opts("json"))).toEqual([text(HERMES_CALL)]);
  });

  test("json only when the answer starts with it and is nothing else", () => {
    expect(scanWhole(`Here it is: ${JSON_ANSWER}`, opts("json"))).toEqual([text(`Here it is: ${JSON_ANSWER}`)]);
    expect(scanWhole(`${JSON_ANSWER} and more`, opts("json"))).toEqual([text(`${JSON_ANSWER} and more`)]);
    expect(scanWhole("```json\n" + JSON_ANSWER + "\n``` ok", opts("auto"))).toEqual([text("```json\n" + JSON_ANSWER + "\n``` ok")]);
    // A bare {"name"} without arguments is data, not a call.
    expect(scanWhole('{"name": "Bash"}', opts("json"))).toEqual([text('{"name": "Bash"}')]);
  });

  test("auto: a JSON answer that is not a call is released as soon as prose follows it", () => {
    const answer = `${JSON_ANSWER} is the shape`;
    const { released } = releaseTrace(answer, opts("auto"));
    expect(released[JSON_ANSWER.length + 1]).toBe("");
    expect(released[JSON_ANSWER.length + 2]).toBe(`${JSON_ANSWER} i`);
  });
});

describe("the hold bound", () => {
  const long = (n: number) => `<tool_call>{"name": "Bash", "arguments": {"command": "${"x".repeat(n)}"}}</tool_call>`;
  const size = long(0).length;

  test("a call that fits is a call; one past the bound is text, exactly", () => {
    expect(scanWhole(long(100), opts("auto", { holdLimit: size + 100 }))).toEqual([call("Bash", { command: "x".repeat(100) })]);
    expect(scanWhole(long(101), opts("auto", { holdLimit: size + 100 }))).toEqual([text(long(101))]);
    for (const parts of everyCut(long(101))) expect(scanParts(parts, opts("auto", { holdLimit: size + 100 }))).toEqual([text(long(101))]);
  });

  test("streaming gives up at the bound, without waiting for the end", () => {
    const s = new ToolTextScanner(opts("auto", { holdLimit: 64 }));
    expect(s.push('<tool_call>{"name": "Bash", "arguments": {"command": "')).toEqual([]);
    const out = s.push("y".repeat(20));
    expect(out.map((p) => (p.kind === "text" ? p.text : "call")).join("")).toBe(
      `<tool_call>{"name": "Bash", "arguments": {"command": "${"y".repeat(20)}`,
    );
    expect(s.push("z")).toEqual([text("z")]);
  });

  test("a whole-answer JSON call is bounded too", () => {
    const answer = `{"name": "Bash", "arguments": {"command": "${"x".repeat(80)}"}}`;
    expect(scanWhole(answer, opts("json", { holdLimit: 64 }))).toEqual([text(answer)]);
    expect(scanWhole(answer, opts("json", { holdLimit: 200 }))).toEqual([call("Bash", { command: "x".repeat(80) })]);
  });

  test("the default bound holds a long file write", () => {
    expect(DEFAULT_HOLD_LIMIT).toBeGreaterThanOrEqual(16 * 1024);
    const big = "x".repeat(20_000);
    expect(scanWhole(`<tool_call>{"name": "Bash", "arguments": {"command": "${big}"}}</tool_call>`, opts("auto"))).toEqual([
      call("Bash", { command: big }),
    ]);
  });
});
