// A tool call written as plain text, the way local models emit one when the server's chat
// template or tool parser doesn't turn it into a structured call: Qwen3-Coder's XML-ish
// <function=…> form, Hermes' JSON inside <tool_call> tags, or bare JSON. The gateway repairs these.

import type { TextToolFormat } from "./faults.ts";

/** The single argument every text call carries: a harmless shell command. */
export const TEXT_TOOL_COMMAND = "echo hi";

/** Small pieces, cut inside the tags too, so a repairer must buffer across frames. */
const PIECE_CHARS = 7;

export function textToolCall(format: TextToolFormat, name: string): string {
  // Python's json.dumps spacing, as the Hermes and Qwen chat templates print it.
  const json = `{"name": ${JSON.stringify(name)}, "arguments": {"command": ${JSON.stringify(TEXT_TOOL_COMMAND)}}}`;
  if (format === "json") return json;
  if (format === "hermes") return `<tool_call>\n${json}\n</tool_call>`;
  return `I'll run it.\n<tool_call>\n<function=${name}>\n<parameter=command>\n${TEXT_TOOL_COMMAND}\n</parameter>\n</function>\n</tool_call>`;
}

export function textToolPieces(format: TextToolFormat, name: string): string[] {
  const text = textToolCall(format, name);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += PIECE_CHARS) pieces.push(text.slice(i, i + PIECE_CHARS));
  return pieces;
}
