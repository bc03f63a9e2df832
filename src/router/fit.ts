// Can this target serve this request at all? A cheap, conservative pre-check so a
// request with an image never goes to a text-only model and a long prompt skips a
// small-context local model instead of failing there first. Estimates only: the real
// tokenizer lives upstream, and unknown capabilities are assumed present.

import type { PromptFields } from "../protocol/apis.ts";

export type Capability = "vision" | "tools" | "reasoning";

export interface Needs {
  tokens: number;
  vision: boolean;
  tools: boolean;
  reasoning: boolean;
}

export interface FitTarget {
  contextWindow?: number;
  capabilities?: Capability[];
}

// ~4 characters per token is OpenAI's rule of thumb for English text.
const CHARS_PER_TOKEN = 4;
// An image costs a fixed amount, not its base64 length: OpenAI bills a 512px-tiled
// high-detail image at 85 + 170 per tile; 765 is the common 2x2-tile case.
const TOKENS_PER_IMAGE = 765;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

interface Tally {
  chars: number;
  images: number;
}

/** Rough prompt size in tokens: text chars / 4, tool schemas as JSON, images flat. */
export function estimateTokens(body: unknown, fields: PromptFields): number {
  const t: Tally = { chars: 0, images: 0 };
  if (!isObj(body)) return 0;
  if (fields.instructions) {
    const ins = body[fields.instructions];
    // Responses `instructions` is a string; Messages `system` is a string or text blocks.
    if (typeof ins === "string") t.chars += ins.length;
    else for (const part of asArray(ins)) tallyPart(part, t);
  }
  if (fields.turns) {
    const turns = body[fields.turns];
    if (typeof turns === "string" && fields.textTurns) t.chars += turns.length;
    else for (const m of asArray(turns)) tallyMessage(m, t);
  }
  if (fields.texts) {
    const p = body[fields.texts];
    for (const s of Array.isArray(p) ? p : [p]) if (typeof s === "string") t.chars += s.length;
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) t.chars += JSON.stringify(body.tools).length;
  if (Array.isArray(body.functions) && body.functions.length > 0) t.chars += JSON.stringify(body.functions).length;
  return Math.ceil(t.chars / CHARS_PER_TOKEN) + t.images * TOKENS_PER_IMAGE;
}

// Chat messages and Responses input items share enough shape to walk the same way:
// string `content`, or parts with `text`; tool calls carry `arguments`, tool results `output`.
function tallyMessage(m: unknown, t: Tally): void {
  if (!isObj(m)) return;
  if (typeof m.content === "string") t.chars += m.content.length;
  else for (const part of asArray(m.content)) tallyPart(part, t);
  if (typeof m.arguments === "string") t.chars += m.arguments.length;
  if (typeof m.output === "string") t.chars += m.output.length;
  for (const call of asArray(m.tool_calls)) {
    const fn = isObj(call) && isObj(call.function) ? call.function : undefined;
    if (fn && typeof fn.arguments === "string") t.chars += fn.arguments.length;
  }
}

// Messages blocks: `thinking` text, `tool_use` input, `tool_result` content (a string or blocks).
function tallyPart(part: unknown, t: Tally, depth = 0): void {
  if (!isObj(part)) return;
  if (isImagePart(part)) t.images++;
  else if (typeof part.text === "string") t.chars += part.text.length;
  else if (typeof part.thinking === "string") t.chars += part.thinking.length;
  else if (part.type === "tool_use" && part.input !== undefined) t.chars += JSON.stringify(part.input).length;
  else if (typeof part.content === "string") t.chars += part.content.length;
  else if (depth === 0) for (const inner of asArray(part.content)) tallyPart(inner, t, 1);
}

// Chat: {type:"image_url"}; Responses: {type:"input_image"}; Messages: {type:"image"}.
const isImagePart = (p: Obj) => p.type === "image_url" || p.type === "input_image" || p.type === "image";

/**
 * What the request needs from a target. `tokens` includes the requested output budget, except
 * for a protocol whose output bound the gateway clamps to each target (`clamped`): Claude
 * Code asks for 32k–128k tokens, which would rule out every local model.
 */
export function needsOf(body: unknown, fields: PromptFields, clamped = false): Needs {
  const b = isObj(body) ? body : {};
  return {
    tokens: estimateTokens(b, fields) + (clamped ? 0 : outputBudget(b)),
    vision: hasImage(b, fields),
    tools: asArray(b.tools).length > 0 || asArray(b.functions).length > 0,
    reasoning: wantsReasoning(b),
  };
}

// The context must hold the prompt and the answer, so a client's explicit output cap counts.
function outputBudget(b: Obj): number {
  for (const k of ["max_output_tokens", "max_completion_tokens", "max_tokens"]) {
    const v = b[k];
    if (typeof v === "number" && v > 0) return v;
  }
  return 0;
}

function hasImage(b: Obj, fields: PromptFields): boolean {
  const items = fields.turns ? asArray(b[fields.turns]) : [];
  return items.some((m) => isObj(m) && asArray(m.content).some((p) => isObj(p) && isImagePart(p)));
}

// Chat: reasoning_effort; Responses: reasoning.effort. "none" asks for no reasoning.
function wantsReasoning(b: Obj): boolean {
  const effort = isObj(b.reasoning) ? b.reasoning.effort : b.reasoning_effort;
  return typeof effort === "string" && effort !== "none";
}

export function fits(target: FitTarget, needs: Needs): { ok: boolean; reason?: string } {
  const caps = target.capabilities;
  if (caps) {
    if (needs.vision && !caps.includes("vision")) return { ok: false, reason: "request has images; target is text-only" };
    if (needs.tools && !caps.includes("tools")) return { ok: false, reason: "request uses tools; target does not support tools" };
    if (needs.reasoning && !caps.includes("reasoning")) return { ok: false, reason: "request sets reasoning effort; target does not reason" };
  }
  if (target.contextWindow !== undefined && needs.tokens > target.contextWindow) {
    return { ok: false, reason: `request needs ~${needs.tokens} tokens; context window is ${target.contextWindow}` };
  }
  return { ok: true };
}
