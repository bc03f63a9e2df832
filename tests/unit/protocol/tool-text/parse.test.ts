import { describe, expect, test } from "bun:test";
import { indexTools } from "../../../../src/protocol/tool-text/format.ts";
import { parseHermes, parseJsonAnswer, parseQwenXml } from "../../../../src/protocol/tool-text/parse.ts";
import { tools } from "./fixtures.ts";

const index = indexTools([
  ...tools,
  { name: "Edit" },
  { name: "Config", parameters: { type: "object", properties: { opts: { type: "object" }, tags: { type: "array" } } } },
]);
const args = (calls: { arguments: string }[] | null) => calls?.map((c) => JSON.parse(c.arguments));
const fn = (name: string, params: [string, string][]) =>
  `<function=${name}>\n${params.map(([k, v]) => `<parameter=${k}>\n${v}\n</parameter>\n`).join("")}</function>`;

describe("parseQwenXml", () => {
  test("only the layout newline on each side is stripped; inner newlines and indentation stay", () => {
    const calls = parseQwenXml(fn("Bash", [["command", "\n  cat <<EOF\na\nEOF\n"]]), index);
    expect(args(calls)).toEqual([{ command: "\n  cat <<EOF\na\nEOF\n" }]);
  });

  test("a string-typed property stays text even when it looks like JSON", () => {
    expect(args(parseQwenXml(fn("Bash", [["command", "5000"]]), index))).toEqual([{ command: "5000" }]);
    expect(args(parseQwenXml(fn("Bash", [["command", "true"]]), index))).toEqual([{ command: "true" }]);
  });

  test("typed object/array properties are JSON; without a schema JSON is tried, then text", () => {
    expect(
      args(
        parseQwenXml(
          fn("Config", [
            ["opts", '{"a": 1}'],
            ["tags", '["x"]'],
          ]),
          index,
        ),
      ),
    ).toEqual([{ opts: { a: 1 }, tags: ["x"] }]);
    expect(
      args(
        parseQwenXml(
          fn("Edit", [
            ["n", "3"],
            ["s", "hello"],
            ["b", "false"],
          ]),
          index,
        ),
      ),
    ).toEqual([{ n: 3, s: "hello", b: false }]);
  });

  test("several <function=> blocks in one <tool_call> are several calls", () => {
    const body = `\n${fn("Bash", [["command", "ls"]])}\n${fn("Read", [["file_path", "/a"]])}\n`;
    expect(parseQwenXml(body, index)?.map((c) => c.name)).toEqual(["Bash", "Read"]);
  });

  test("a function with no parameters is an empty object", () => {
    expect(args(parseQwenXml("<function=Edit>\n</function>", index))).toEqual([{}]);
  });

  test("refused: a repeated parameter, text between tags, an unknown tool, an empty body", () => {
    expect(
      parseQwenXml(
        fn("Bash", [
          ["command", "a"],
          ["command", "b"],
        ]),
        index,
      ),
    ).toBeNull();
    expect(parseQwenXml("<function=Bash>\nhi<parameter=command>\nls\n</parameter>\n</function>", index)).toBeNull();
    expect(parseQwenXml(fn("Nope", []), index)).toBeNull();
    expect(parseQwenXml("  \n", index)).toBeNull();
  });

  test("a parameter named __proto__ is a plain key", () => {
    const calls = parseQwenXml(fn("Edit", [["__proto__", '{"polluted": 1}']]), index);
    expect(calls?.[0].arguments).toBe('{"__proto__":{"polluted":1}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("parseHermes", () => {
  test("no arguments means an empty object; an empty string too", () => {
    expect(args(parseHermes('{"name": "Edit"}', index))).toEqual([{}]);
    expect(args(parseHermes('{"name": "Edit", "arguments": ""}', index))).toEqual([{}]);
  });

  test("refused: arguments a string that is not JSON, a name that is not a string, not an object", () => {
    expect(parseHermes('{"name": "Edit", "arguments": "{oops"}', index)).toBeNull();
    expect(parseHermes('{"name": 3, "arguments": {}}', index)).toBeNull();
    expect(parseHermes('[{"name": "Edit", "arguments": {}}]', index)).toBeNull();
  });
});

describe("parseJsonAnswer", () => {
  test("all or nothing: one bad call in an array refuses the array", () => {
    expect(parseJsonAnswer('[{"name": "Edit", "arguments": {}}, {"name": "Nope", "arguments": {}}]', index)).toBeNull();
    expect(parseJsonAnswer("[]", index)).toBeNull();
  });

  test("the arguments key is required here", () => {
    expect(parseJsonAnswer('{"name": "Edit"}', index)).toBeNull();
    expect(parseJsonAnswer('{"function": {"name": "Edit"}}', index)).toBeNull();
    expect(args(parseJsonAnswer('{"name": "Edit", "parameters": {"k": 1}}', index))).toEqual([{ k: 1 }]);
  });
});
