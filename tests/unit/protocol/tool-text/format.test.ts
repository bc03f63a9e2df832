import { describe, expect, test } from "bun:test";
import { callBodyKind, JsonExtent, jsonAnswerStart, jsonAnswerTail } from "../../../../src/protocol/tool-text/format.ts";

describe("callBodyKind", () => {
  test("auto decides by the first byte after <tool_call>", () => {
    expect(callBodyKind("<function=Bash>", "auto")).toBe("qwen3-coder");
    expect(callBodyKind('{"name"', "auto")).toBe("hermes");
    expect(callBodyKind("<func", "auto")).toBe("maybe");
    expect(callBodyKind("", "auto")).toBe("maybe");
    expect(callBodyKind("tags", "auto")).toBe("no");
    expect(callBodyKind("<b>", "auto")).toBe("no");
  });

  test("a single format only accepts its own opener", () => {
    expect(callBodyKind("{", "qwen3-coder")).toBe("no");
    expect(callBodyKind("<function=X>", "hermes")).toBe("no");
    expect(callBodyKind("<f", "hermes")).toBe("no");
  });
});

describe("jsonAnswerStart and jsonAnswerTail", () => {
  test("bare or fenced JSON is a yes with the value's offset", () => {
    expect(jsonAnswerStart("  {")).toEqual({ verdict: "yes", at: 2, fenced: false });
    expect(jsonAnswerStart("```json\n[")).toEqual({ verdict: "yes", at: 8, fenced: true });
    expect(jsonAnswerStart("```JSON {").verdict).toBe("yes");
  });

  test("prefixes of a fence wait; other languages and prose are a no", () => {
    for (const s of ["", "\n ", "`", "``", "```", "```js", "```json", "```json\n"]) expect(jsonAnswerStart(s).verdict).toBe("maybe");
    for (const s of ["Hi", "```python", "```jsx", "```json\nprint", "`x"]) expect(jsonAnswerStart(s).verdict).toBe("no");
  });

  test("after the value: whitespace, and a closing fence only when one opened", () => {
    expect(jsonAnswerTail("\n ", false)).toBe("yes");
    expect(jsonAnswerTail("\n```", false)).toBe("no");
    expect(jsonAnswerTail("\n``", true)).toBe("maybe");
    expect(jsonAnswerTail("\n```\n", true)).toBe("yes");
    expect(jsonAnswerTail("\n``` x", true)).toBe("no");
  });
});

describe("JsonExtent", () => {
  test("brackets inside strings and escaped quotes do not count; fed piece by piece", () => {
    const value = '{"a": "} ] \\" {", "b": [1, {"c": "\\\\"}]}';
    const s = `${value} tail`;
    const x = new JsonExtent(0);
    for (let i = 1; i < value.length; i++) expect(x.advance(s.slice(0, i))).toBe(-1);
    expect(x.advance(s)).toBe(value.length);
    expect(JSON.parse(s.slice(0, value.length))).toEqual({ a: '} ] " {', b: [1, { c: "\\" }] });
  });
});
