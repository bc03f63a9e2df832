// What the mock answers, decided from the request alone so tests can assert exact output:
// "Echo: <last user text>" split word-wise, or tok0..tokN-1, or scripted tool calls.

import type { Faults } from "./faults.ts";
import { randomId } from "./flavour.ts";
import { textToolPieces } from "./text-tool.ts";

// Kept importable from here: tests written before the readers moved out still use this path.
export { functionToolNames, lastChatUserText, lastResponsesUserText } from "./request-parts.ts";

export interface PlannedToolCall {
  id: string;
  name: string;
  /** Argument fragments; joined they are valid JSON. */
  fragments: string[];
}

export interface AnswerPlan {
  reasoning: string[];
  content: string[];
  toolCalls: PlannedToolCall[];
  finishReason: "stop" | "tool_calls";
  promptTokens: number;
}

/** Split keeping the separators, so the pieces join back to the exact text. */
export function splitWords(text: string): string[] {
  const parts = text.split(/(?<= )/);
  return parts.filter((p) => p.length > 0);
}

export function echoText(userText: string): string {
  return `Echo: ${userText}`;
}

const REASONING = "Let me think about this.";

const ARGUMENTS = [
  ['{"location"', ':"Paris', ', France"', ',"unit":"celsius"}'],
  ['{"location"', ':"Tokyo', ', Japan"', ',"unit":"celsius"}'],
];

export interface PlanInput {
  userText: string;
  promptTokens: number;
  toolNames: string[];
  faults: Faults;
  /** The latest tool result in the request, if any (only text-tool answers it). */
  toolResult?: string;
}

export function planAnswer(opts: PlanInput): AnswerPlan {
  const { faults } = opts;
  const reasoning = faults.reasoning ? splitWords(REASONING) : [];
  if (faults.textTool !== undefined) {
    // Once the agent ran the call and sent its output back, end the loop with plain text.
    const content =
      opts.toolResult !== undefined ? splitWords(`Done: ${opts.toolResult}`) : textToolPieces(faults.textTool, opts.toolNames[0] ?? "Bash");
    return { reasoning, content, toolCalls: [], finishReason: "stop", promptTokens: opts.promptTokens };
  }
  const calls = faults.parallelTools ? 2 : faults.tools ? 1 : 0;
  if (calls > 0) {
    const toolCalls = Array.from({ length: calls }, (_, i) => ({
      id: `call_${randomId(24)}`,
      name: opts.toolNames[i] ?? opts.toolNames[0] ?? "get_weather",
      fragments: ARGUMENTS[i],
    }));
    return { reasoning, content: [], toolCalls, finishReason: "tool_calls", promptTokens: opts.promptTokens };
  }
  const content =
    faults.tokens !== undefined
      ? Array.from({ length: faults.tokens }, (_, i) => (i === faults.tokens! - 1 ? `tok${i}` : `tok${i} `))
      : splitWords(echoText(opts.userText));
  return { reasoning, content, toolCalls: [], finishReason: "stop", promptTokens: opts.promptTokens };
}

export function completionTokens(plan: AnswerPlan): number {
  return plan.reasoning.length + plan.content.length + plan.toolCalls.reduce((n, c) => n + c.fragments.length, 0);
}

/** A crude, deterministic token count: words in every string of the prompt. */
export function countWords(value: unknown): number {
  let n = 0;
  const visit = (v: unknown, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === "string") n += v.split(/\s+/).filter(Boolean).length;
    else if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (v && typeof v === "object") for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(value, 0);
  return Math.max(n, 1);
}
