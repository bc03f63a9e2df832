// Chat and legacy completions stream the same way: `data:` chunks with `choices`, a
// usage-only chunk (`"choices":[]`) when the client asked for it, then `data: [DONE]`.
import { chatStreamErrorEvent } from "../errors.ts";
import { hasStringField, includesAscii } from "../bytes.ts";
import type { Json, Payload, ReplayOptions } from "./spec.ts";

export const DONE = "[DONE]";

export function isUsageOnly(p: Json): boolean {
  return Array.isArray(p.choices) && p.choices.length === 0 && p.usage != null;
}

/**
 * Recorded chunks → the replay: the client's id and model on every chunk, the usage chunk
 * kept or dropped per its include_usage (and made from the final object when the recording
 * has none), then [DONE].
 */
export function replayChunks(payloads: Json[], final: Json | null, o: ReplayOptions, object: string): Payload[] {
  const out: Payload[] = [];
  let sawUsage = false;
  let created: unknown = final?.created;
  for (const p of payloads) {
    if (p.usage != null) sawUsage = true;
    if (typeof p.created === "number") created = p.created;
    let chunk = p;
    if (!o.includeUsage) {
      if (isUsageOnly(p)) continue;
      if ("usage" in p) {
        const { usage: _, ...rest } = p;
        chunk = rest;
      }
    }
    out.push({ data: JSON.stringify({ ...chunk, id: o.id, model: o.model }) });
  }
  // Recorded without include_usage but asked for it now: the final object still has it.
  if (o.includeUsage && !sawUsage && final?.usage != null) {
    out.push({ data: JSON.stringify({ id: o.id, object, created, model: o.model, choices: [], usage: final.usage }) });
  }
  out.push({ data: DONE });
  return out;
}

export const chunkTerminalError = (e: unknown): string => chatStreamErrorEvent(e);

/**
 * The final object under a replay's id and model. A shallow copy: its one caller serialises it
 * at once (cache/replay.ts, a hit's template) and nothing nested is changed, so a deep copy
 * (structuredClone: some 6 µs a call in Bun, on every recorded answer) buys nothing.
 */
export function identify(final: Json, id: string, model: string): Json {
  return { ...final, id, model };
}

/** Splits text into up to `parts` pieces on word boundaries (a replay that still streams). */
export function splitText(text: string, parts = 4): string[] {
  if (text.length === 0) return [];
  const words = text.split(/(?<=\s)/);
  const per = Math.max(1, Math.ceil(words.length / parts));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(""));
  return out;
}

// "stop" and "tool_calls" (and the legacy "function_call") end a whole answer. "length" is an
// answer cut at max_tokens: kept only when the caller opts in, since a retry with the same
// limit would be cut the same way but a stored truncation is rarely what anyone wants.
// "content_filter" and null (stream died) are never stored.
const COMPLETE_FINISH = new Set(["stop", "tool_calls", "function_call"]);

export function isCompleteChat(final: unknown, opts: { allowLength?: boolean } = {}): boolean {
  if (final === null || typeof final !== "object") return false;
  const choices = (final as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  return choices.every((c) => {
    const reason = (c as { finish_reason?: unknown } | null)?.finish_reason;
    return typeof reason === "string" && (COMPLETE_FINISH.has(reason) || (reason === "length" && !!opts.allowLength));
  });
}

/** [DONE] or a finish_reason that is set ends a chat-like stream; an `error` object fails it. */
export function chunkStreamEnd(bytes: Uint8Array): "done" | "failed" | null {
  if (includesAscii(bytes, "[DONE]") || hasStringField(bytes, "finish_reason")) return "done";
  if (includesAscii(bytes, '{"error"')) return "failed";
  return null;
}

/** A whole chat-like answer has its choices. */
export const hasChoices = (final: Json): boolean => Array.isArray(final.choices) && final.error == null;
