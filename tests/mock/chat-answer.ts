// Chat Completions answers (full object and chunk frames) shaped per server flavour.

import type { AnswerPlan } from "./answer-plan.ts";
import { completionTokens } from "./answer-plan.ts";
import type { Frame } from "./frame-stream.ts";
import type { FlavourQuirks } from "./flavour.ts";

export interface ChatContext {
  quirks: FlavourQuirks;
  model: string;
  plan: AnswerPlan;
  includeUsage: boolean;
}

function usageOf(plan: AnswerPlan) {
  const completion = completionTokens(plan);
  return { prompt_tokens: plan.promptTokens, completion_tokens: completion, total_tokens: plan.promptTokens + completion };
}

/** Ollama flavour folds reasoning into the content as <think>…</think>, as its /v1 API does. */
function contentPieces(ctx: ChatContext): { reasoning: string[]; content: string[] } {
  const { plan, quirks } = ctx;
  if (!quirks.thinkInContent || plan.reasoning.length === 0) return { reasoning: plan.reasoning, content: plan.content };
  return { reasoning: [], content: ["<think>", ...plan.reasoning, "</think>\n\n", ...plan.content] };
}

export function chatCompletion(ctx: ChatContext): Record<string, unknown> {
  const { plan, quirks } = ctx;
  const pieces = contentPieces(ctx);
  const message: Record<string, unknown> = {
    role: "assistant",
    content: plan.toolCalls.length > 0 && pieces.content.length === 0 ? null : pieces.content.join(""),
  };
  if (pieces.reasoning.length > 0) message.reasoning_content = pieces.reasoning.join("");
  if (plan.toolCalls.length > 0) {
    message.tool_calls = plan.toolCalls.map((c) => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: c.fragments.join("") },
    }));
  }
  const usage = usageOf(plan);
  return {
    id: quirks.completionId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: [{ index: 0, message, ...quirks.choiceExtra, finish_reason: plan.finishReason }],
    usage,
    ...quirks.top,
    ...quirks.finalExtra(usage.prompt_tokens, usage.completion_tokens),
  };
}

/** Tool-call deltas: id+name first, then argument fragments; parallel calls interleave. */
function toolDeltas(plan: AnswerPlan): Record<string, unknown>[] {
  const deltas: Record<string, unknown>[] = plan.toolCalls.map((c, index) => ({
    tool_calls: [{ index, id: c.id, type: "function", function: { name: c.name, arguments: "" } }],
  }));
  const longest = Math.max(0, ...plan.toolCalls.map((c) => c.fragments.length));
  for (let f = 0; f < longest; f++) {
    plan.toolCalls.forEach((c, index) => {
      if (f < c.fragments.length) deltas.push({ tool_calls: [{ index, function: { arguments: c.fragments[f] } }] });
    });
  }
  return deltas;
}

export function chatFrames(ctx: ChatContext): Frame[] {
  const { plan, quirks } = ctx;
  const id = quirks.completionId();
  const created = Math.floor(Date.now() / 1000);
  const usageField = ctx.includeUsage && quirks.usageNullOnChunks ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) => {
    const d = quirks.roleInEveryDelta ? { role: "assistant", ...delta } : delta;
    const choice = { index: 0, delta: d, ...quirks.choiceExtra, finish_reason: finish };
    const body = { id, object: "chat.completion.chunk", created, model: ctx.model, ...quirks.top, choices: [choice], ...usageField, ...extra };
    return JSON.stringify(body);
  };
  const pieces = contentPieces(ctx);
  const frames: Frame[] = [{ data: chunk({ role: "assistant", content: quirks.roleContent }, null) }];
  for (const r of pieces.reasoning) frames.push({ data: chunk({ reasoning_content: r }, null), content: true });
  for (const c of pieces.content) frames.push({ data: chunk({ content: c }, null), content: true });
  for (const t of toolDeltas(plan)) frames.push({ data: chunk(t, null), content: true });
  const usage = usageOf(plan);
  frames.push({ data: chunk({}, plan.finishReason, quirks.finalExtra(usage.prompt_tokens, usage.completion_tokens)) });
  if (ctx.includeUsage) {
    const body = { id, object: "chat.completion.chunk", created, model: ctx.model, ...quirks.top, choices: [], usage };
    frames.push({ data: JSON.stringify(body) });
  }
  frames.push({ data: "[DONE]" });
  return frames;
}
