import { describe, expect, test } from "bun:test";
import { ThinkTagSplitter, type Segment } from "../../../../src/protocol/translate/think-tags.ts";

function split(pieces: string[]): Segment[] {
  const s = new ThinkTagSplitter();
  const all = [...pieces.flatMap((p) => s.push(p)), ...s.flush()];
  // Merge neighbours so results don't depend on where the cuts fell.
  const out: Segment[] = [];
  for (const seg of all) {
    const last = out.at(-1);
    if (last?.kind === seg.kind) last.text += seg.text;
    else out.push({ ...seg });
  }
  return out;
}

describe("ThinkTagSplitter", () => {
  test("one character at a time", () => {
    expect(split([..."  <think>\nA < B </thin k</think>\n\nDone <think> literal"])).toEqual([
      { kind: "reasoning", text: "A < B </thin k" },
      { kind: "text", text: "Done <think> literal" },
    ]);
  });

  test("text that merely starts like the tag is text", () => {
    expect(split(["<th", "ese are>"])).toEqual([{ kind: "text", text: "<these are>" }]);
    expect(split(["<thi"])).toEqual([{ kind: "text", text: "<thi" }]);
  });

  test("no tag at all passes through unchanged, leading whitespace included", () => {
    expect(split([" Hi", " there"])).toEqual([{ kind: "text", text: " Hi there" }]);
  });

  test("whitespace-only content (common before a tool call) yields nothing", () => {
    expect(split(["\n", "\n"])).toEqual([]);
  });

  test("an unclosed trace stays reasoning, including a cut closing tag", () => {
    expect(split(["<think>still going</thi"])).toEqual([{ kind: "reasoning", text: "still going</thi" }]);
  });
});
