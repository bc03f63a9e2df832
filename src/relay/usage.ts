// Token usage, read from a whole answer or from stream events (asking for it and dropping
// what only we asked for are the protocol's: protocol/api/chat.ts).

import { includesAscii } from "../protocol/bytes.ts";

export interface Usage {
  input: number;
  output: number;
}

const INPUT = /"(?:prompt_tokens|input_tokens)"\s*:\s*(\d+)/;
const OUTPUT = /"(?:completion_tokens|output_tokens)"\s*:\s*(\d+)/;

/** Token counts from a JSON answer or SSE text, or null if none is there. */
export function scanUsage(text: string): Usage | null {
  const i = INPUT.exec(text);
  const o = OUTPUT.exec(text);
  if (!i && !o) return null;
  return { input: i ? Number(i[1]) : 0, output: o ? Number(o[1]) : 0 };
}

const count = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * Token counts of a parsed whole answer (its `usage`: chat's and completions' prompt/completion
 * tokens, Responses' and Messages' input/output tokens), or null: what scanUsage finds in its
 * text, without scanning it again.
 */
export function usageIn(answer: Record<string, unknown>): Usage | null {
  const u = answer.usage;
  if (u === null || typeof u !== "object") return null;
  const o = u as Record<string, unknown>;
  const input = count(o.prompt_tokens) ?? count(o.input_tokens);
  const output = count(o.completion_tokens) ?? count(o.output_tokens);
  if (input === undefined && output === undefined) return null;
  return { input: input ?? 0, output: output ?? 0 };
}

const decoder = new TextDecoder();

/** Usage in a batch of stream events (it sits in the last ones), or null. */
export function usageOf(b: { bytes: Uint8Array }): Usage | null {
  // `_tokens"` by a native byte search: cheaper than decoding every batch to look for it.
  return includesAscii(b.bytes, '_tokens"') ? scanUsage(decoder.decode(b.bytes)) : null;
}
