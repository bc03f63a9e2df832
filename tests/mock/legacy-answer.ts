// /v1/completions and /v1/embeddings answers.

import type { AnswerPlan } from "./answer-plan.ts";
import { completionTokens, countWords } from "./answer-plan.ts";
import type { Frame } from "./frame-stream.ts";
import { randomId, type FlavourQuirks } from "./flavour.ts";

export function promptText(prompt: unknown): string {
  if (typeof prompt === "string") return prompt;
  if (Array.isArray(prompt) && typeof prompt[0] === "string") return prompt[0];
  return "";
}

function usageOf(plan: AnswerPlan) {
  const c = completionTokens(plan);
  return { prompt_tokens: plan.promptTokens, completion_tokens: c, total_tokens: plan.promptTokens + c };
}

export function textCompletion(model: string, plan: AnswerPlan, quirks: FlavourQuirks): Record<string, unknown> {
  return {
    id: `cmpl-${randomId(29)}`,
    object: "text_completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ text: plan.content.join(""), index: 0, logprobs: null, finish_reason: "stop" }],
    usage: usageOf(plan),
    ...quirks.top,
  };
}

export function textCompletionFrames(model: string, plan: AnswerPlan, includeUsage: boolean): Frame[] {
  const id = `cmpl-${randomId(29)}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id, object: "text_completion", created, model, choices, ...extra });
  const frames: Frame[] = plan.content.map((text) => ({
    data: chunk([{ text, index: 0, logprobs: null, finish_reason: null }]),
    content: true,
  }));
  frames.push({ data: chunk([{ text: "", index: 0, logprobs: null, finish_reason: "stop" }]) });
  if (includeUsage) frames.push({ data: chunk([], { usage: usageOf(plan) }) });
  frames.push({ data: "[DONE]" });
  return frames;
}

const DIMENSIONS = 8;

/** FNV-1a seeded xorshift: the same text always maps to the same unit vector. */
export function embedText(text: string): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const v: number[] = [];
  let x = h || 1;
  for (let i = 0; i < DIMENSIONS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    v.push(x / 0xffffffff - 0.5);
  }
  const norm = Math.hypot(...v) || 1;
  // Round-trip through float32 so "float" and "base64" encodings carry identical values.
  return Array.from(new Float32Array(v.map((n) => n / norm)));
}

function base64Of(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

export function embeddings(body: Record<string, any>): Record<string, unknown> {
  const inputs: unknown[] = Array.isArray(body.input) && typeof body.input[0] !== "number" ? body.input : [body.input];
  const base64 = body.encoding_format === "base64";
  const data = inputs.map((input, index) => {
    const vector = embedText(typeof input === "string" ? input : JSON.stringify(input));
    return { object: "embedding", index, embedding: base64 ? base64Of(vector) : vector };
  });
  const tokens = countWords(inputs);
  return { object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
