// Legacy completions (POST /v1/completions): chat's framing with `text` per choice.
import { OPENAI_ERRORS } from "../errors.ts";
import { Type } from "@sinclair/typebox";
import { DONE, chunkStreamEnd, chunkTerminalError, hasChoices, identify, isCompleteChat, replayChunks } from "./chunks.ts";
import { COMMON_FIELDS } from "./common.ts";
import type { Assembler, Json, ProtocolSpec } from "./spec.ts";
import { compiledOnUse } from "./compile-on-use.ts";

const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

// `text` per choice index, finish_reason on the last one.
function completionAssembler(): Assembler {
  let head: Json | null = null;
  const byIndex = new Map<number, { index: number; text: string; logprobs: null; finish_reason: unknown }>();
  let usage: unknown;
  return {
    push(c) {
      head ??= c;
      if (c.usage != null) usage = c.usage;
      for (const ch of arr(c.choices)) {
        const index = typeof ch.index === "number" ? ch.index : 0;
        const cur = byIndex.get(index) ?? { index, text: "", logprobs: null, finish_reason: null };
        if (typeof ch.text === "string") cur.text += ch.text;
        if (ch.finish_reason != null) cur.finish_reason = ch.finish_reason;
        byIndex.set(index, cur);
      }
    },
    finish() {
      const h = head ?? {};
      const choices = [...byIndex.values()].sort((a, b) => a.index - b.index);
      return { id: h.id, object: "text_completion", created: h.created, model: h.model, choices, ...(usage != null ? { usage } : {}) };
    },
  };
}

// One text chunk per choice, then the usage chunk.
function completionToChunks(final: Json): Json[] {
  const head = { id: final.id, object: "text_completion", created: final.created, model: final.model };
  const out: Json[] = arr(final.choices).map((c) => ({ ...head, choices: [c] }));
  if (final.usage != null) out.push({ ...head, choices: [], usage: final.usage });
  return out;
}

function isContent(data: string): boolean {
  if (data === DONE) return true;
  let ev: Json;
  try {
    ev = JSON.parse(data);
  } catch {
    return true;
  }
  if (ev?.error) return true;
  return arr(ev?.choices).some((c) => c?.finish_reason || c?.text);
}

const lenientCheck = compiledOnUse(Type.Object({ ...COMMON_FIELDS, prompt: Type.Union([Type.String(), Type.Array(Type.Unknown())]) }));

export const completions: ProtocolSpec = {
  api: "completions",
  path: "/completions",
  get check() {
    return lenientCheck();
  },
  streams: true,
  deterministic: false,
  prompt: { texts: "prompt" },
  keyFields: [
    "prompt",
    "suffix",
    "temperature",
    "top_p",
    "n",
    "seed",
    "max_tokens",
    "stop",
    "echo",
    "logprobs",
    "best_of",
    "logit_bias",
    "presence_penalty",
    "frequency_penalty",
  ],
  keyExcluded: ["model", "stream", "stream_options", "user", "request_id"], // as chat's, fewer exist
  conversations: false,
  errors: OPENAI_ERRORS,
  freshId: (hex) => `cmpl-${hex(12)}`,
  isContent,
  streamEnd: chunkStreamEnd,
  terminalError: chunkTerminalError,
  isAnswer: hasChoices,
  assembler: completionAssembler,
  // finish_reason per choice, like chat.
  complete: (final) => isCompleteChat(final),
  toEvents: completionToChunks,
  replay: (payloads, final, o) => replayChunks(payloads, final, o, "text_completion"),
  identify,
};
