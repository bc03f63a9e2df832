// The bytes of an answer as the client got them → what the cache keeps, or null when the
// answer must not be kept: not 2xx, not parseable, a terminal error event, a stream that was
// cut (relay/stream.ts ends those with an error event), or no proper finish (policy.ts).

import { SseParser } from "../protocol/sse.ts";
import { assembleChat, assembleResponse } from "./assemble.ts";
import type { Api } from "./key.ts";
import { isCompleteChat, isCompleteResponse } from "./policy.ts";

type Obj = Record<string, any>;

export interface Recorded {
  stream: string[] | null;
  final: unknown;
}

export interface Recorder {
  push(chunk: Uint8Array): void;
  /** Call once the body ended normally. */
  finish(): Recorded | null;
}

export function recorder(api: Api, status: number, contentType: string): Recorder {
  const ok = status >= 200 && status < 300;
  const sse = contentType.includes("text/event-stream");
  const parser = sse ? new SseParser() : null;
  const events: { event?: string; data: string }[] = [];
  const raw: Uint8Array[] = [];
  return {
    push(chunk) {
      if (!ok) return;
      if (parser) for (const e of parser.push(chunk)) events.push({ event: e.event, data: e.data });
      else raw.push(chunk);
    },
    finish() {
      if (!ok) return null;
      try {
        if (parser) {
          // A last event whose lines are complete but with no blank line after it (some servers).
          if (/[\r\n]$/.test(parser.rest())) for (const e of parser.push("\n\n")) events.push({ event: e.event, data: e.data });
          return fromStream(api, events);
        }
        return fromFinal(api, JSON.parse(Buffer.concat(raw).toString("utf8")));
      } catch {
        return null; // not JSON where JSON was due: nothing trustworthy to keep
      }
    },
  };
}

function fromStream(api: Api, events: { event?: string; data: string }[]): Recorded | null {
  const data = events.map((e) => e.data).filter((d) => d.trim() !== "[DONE]");
  const parsed = data.map((d) => JSON.parse(d) as Obj);
  if (events.some((e) => e.event === "error") || parsed.some((p) => p.error != null || p.type === "error")) return null;
  let final: unknown;
  if (api === "chat") final = assembleChat(parsed);
  else if (api === "responses") final = assembleResponse(parsed);
  else if (api === "completions") final = assembleCompletion(parsed);
  else return null;
  return complete(api, final) ? { stream: data, final } : null;
}

function fromFinal(api: Api, final: unknown): Recorded | null {
  if (final === null || typeof final !== "object" || (final as Obj).error != null) return null;
  return complete(api, final) ? { stream: null, final } : null;
}

function complete(api: Api, final: unknown): boolean {
  if (api === "responses") return isCompleteResponse(final);
  if (api === "embeddings") return Array.isArray((final as Obj).data) && (final as Obj).data.length > 0;
  // Legacy completions carry finish_reason per choice like chat.
  return isCompleteChat(final);
}

// Legacy /completions chunks: `text` per choice index, finish_reason on the last one.
function assembleCompletion(chunks: Obj[]): Obj {
  const head = chunks[0] ?? {};
  const byIndex = new Map<number, Obj>();
  let usage: unknown;
  for (const c of chunks) {
    if (c.usage != null) usage = c.usage;
    for (const ch of Array.isArray(c.choices) ? c.choices : []) {
      const index = typeof ch.index === "number" ? ch.index : 0;
      const cur = byIndex.get(index) ?? { index, text: "", logprobs: null, finish_reason: null };
      if (typeof ch.text === "string") cur.text += ch.text;
      if (ch.finish_reason != null) cur.finish_reason = ch.finish_reason;
      byIndex.set(index, cur);
    }
  }
  const choices = [...byIndex.values()].sort((a, b) => a.index - b.index);
  return { id: head.id, object: "text_completion", created: head.created, model: head.model, choices, ...(usage != null ? { usage } : {}) };
}
