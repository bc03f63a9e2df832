// Shared tools, answers and drivers for the tool-text tests.
import type { OfferedTool, Piece, ScanOptions } from "../../../../src/protocol/tool-text/format.ts";
import { ToolTextScanner } from "../../../../src/protocol/tool-text/scanner.ts";

export const bash: OfferedTool = {
  name: "Bash",
  parameters: {
    type: "object",
    properties: { command: { type: "string" }, timeout: { type: "integer" }, description: { type: "string" } },
    required: ["command"],
    additionalProperties: false,
  },
};
export const read: OfferedTool = {
  name: "Read",
  parameters: { type: "object", properties: { file_path: { type: "string" }, limit: { type: "number" } }, required: ["file_path"] },
};
export const tools = [bash, read];

export const QWEN_CALL =
  "<tool_call>\n<function=Bash>\n<parameter=command>\necho hi\n</parameter>\n<parameter=timeout>\n5000\n</parameter>\n</function>\n</tool_call>";
export const HERMES_CALL = '<tool_call>\n{"name": "Bash", "arguments": {"command": "echo hi"}}\n</tool_call>';
export const JSON_ANSWER = '{"name": "Bash", "arguments": {"command": "echo hi"}}';

export const call = (name: string, args: Record<string, unknown>): Piece => ({ kind: "call", call: { name, arguments: JSON.stringify(args) } });
export const text = (t: string): Piece => ({ kind: "text", text: t });

/** Neighbouring text pieces joined, so results can be compared whatever the cuts. */
export function merged(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out.at(-1);
    if (p.kind === "text" && last?.kind === "text") out[out.length - 1] = { kind: "text", text: last.text + p.text };
    else out.push(p.kind === "text" ? { ...p } : p);
  }
  return out;
}

/** Feeds `parts` in order then ends the answer; the pieces, merged. */
export function scanParts(parts: string[], opts: ScanOptions): Piece[] {
  const s = new ToolTextScanner(opts);
  return merged([...parts.flatMap((p) => s.push(p)), ...s.end()]);
}

/** Every way of cutting `s` in two, and one character at a time. */
export function everyCut(s: string): string[][] {
  const cuts: string[][] = [];
  for (let i = 0; i <= s.length; i++) cuts.push([s.slice(0, i), s.slice(i)]);
  cuts.push([...s]);
  return cuts;
}

/** Feeds one character at a time; for each prefix length, the text released and the calls seen so far. */
export function releaseTrace(s: string, opts: ScanOptions): { released: string[]; calls: number[] } {
  const sc = new ToolTextScanner(opts);
  const released: string[] = [""];
  const calls: number[] = [0];
  let t = "";
  let n = 0;
  for (const ch of s) {
    for (const p of sc.push(ch)) {
      if (p.kind === "text") t += p.text;
      else n++;
    }
    released.push(t);
    calls.push(n);
  }
  return { released, calls };
}
