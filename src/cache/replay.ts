// A cache entry back onto the wire, as SSE or as a final object, for any request shape:
// an entry recorded from a stream can answer a non-stream request and vice versa.
// Each replay gets fresh ids (a client may key its state on them, e.g. Responses
// previous_response_id) and the model name the client asked for.

import { encodeEvent } from "../protocol/sse.ts";
import { assembleChat, assembleResponse, chatToChunks, type ChatCompletion } from "./assemble.ts";
import type { Api } from "./key.ts";
import { responseToEvents } from "./response-events.ts";
import type { CacheEntry } from "./store.ts";

type Obj = Record<string, any>;

export interface ReplayOptions {
  api: Api;
  /** Chat/completions: the client's stream_options.include_usage. */
  includeUsage: boolean;
  /** The model name to show the client (what it asked for). */
  model: string;
  /** The id to show; a fresh one when absent. */
  id?: string;
}

const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

// Ids are made on every hit: draw random bytes in blocks and hex them through a table
// rather than one getRandomValues + Buffer per id (it showed in the cache-hit profile).
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const pool = new Uint8Array(4096);
let poolAt = pool.length;

function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  let out = "";
  for (let i = 0; i < bytes; i++) out += HEX[pool[poolAt++]!];
  return out;
}

export function freshId(api: Api): string {
  if (api === "chat") return `chatcmpl-${randomHex(12)}`;
  if (api === "responses") return `resp_${randomHex(24)}`;
  return `cmpl-${randomHex(12)}`;
}

/** The recorded payloads, or ones derived from the final object if it was not streamed. */
function payloads(entry: CacheEntry, api: Api): Obj[] {
  if (entry.stream) {
    return entry.stream.filter((p) => p.trim() !== "[DONE]").map((p) => JSON.parse(p) as Obj);
  }
  const final = entry.final as Obj;
  if (api === "chat") return chatToChunks(final as ChatCompletion);
  if (api === "responses") return responseToEvents(final);
  if (api === "completions") return completionToChunks(final);
  throw new Error(`${api} has no streaming form`);
}

// Legacy /completions: one text chunk per choice, then the usage chunk.
function completionToChunks(final: Obj): Obj[] {
  const head = { id: final.id, object: "text_completion", created: final.created, model: final.model };
  const out: Obj[] = (final.choices ?? []).map((c: Obj) => ({ ...head, choices: [c] }));
  if (final.usage != null) out.push({ ...head, choices: [], usage: final.usage });
  return out;
}

function chatLikeEvents(entry: CacheEntry, opts: ReplayOptions): Uint8Array[] {
  const id = opts.id ?? freshId(opts.api);
  const out: Uint8Array[] = [];
  let sawUsage = false;
  let created: unknown = (entry.final as Obj | null)?.created;
  for (const p of payloads(entry, opts.api)) {
    const isUsageOnly = Array.isArray(p.choices) && p.choices.length === 0 && p.usage != null;
    if (p.usage != null) sawUsage = true;
    if (typeof p.created === "number") created = p.created;
    if (!opts.includeUsage) {
      if (isUsageOnly) continue;
      delete p.usage;
    }
    out.push(encodeEvent(JSON.stringify({ ...p, id, model: opts.model })));
  }
  // Recorded without include_usage but asked for it now: the final object still has it.
  const usage = (entry.final as Obj | null)?.usage;
  if (opts.includeUsage && !sawUsage && usage != null) {
    const object = opts.api === "chat" ? "chat.completion.chunk" : "text_completion";
    out.push(encodeEvent(JSON.stringify({ id, object, created, model: opts.model, choices: [], usage })));
  }
  out.push(DONE);
  return out;
}

function responseEvents(entry: CacheEntry, opts: ReplayOptions): Uint8Array[] {
  const id = opts.id ?? freshId("responses");
  return payloads(entry, "responses").map((p) => {
    if (p.response && typeof p.response === "object") p.response = { ...p.response, id, model: opts.model };
    return encodeEvent(JSON.stringify(p), typeof p.type === "string" ? p.type : undefined);
  });
}

export function replayStream(entry: CacheEntry, opts: ReplayOptions): ReadableStream<Uint8Array> {
  const events = opts.api === "responses" ? responseEvents(entry, opts) : chatLikeEvents(entry, opts);
  let i = 0;
  // One enqueue per recorded event: same boundaries as the original stream.
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < events.length) controller.enqueue(events[i++]);
      else controller.close();
    },
  });
}

export function replayFinal(entry: CacheEntry, opts: Omit<ReplayOptions, "includeUsage">): Obj {
  let final = entry.final as Obj | null;
  if (final == null && entry.stream) {
    const parsed = payloads(entry, opts.api);
    final = opts.api === "responses" ? assembleResponse(parsed) : assembleChat(parsed);
  }
  const copy = structuredClone(final ?? {}) as Obj;
  if (opts.api !== "embeddings") copy.id = opts.id ?? freshId(opts.api);
  copy.model = opts.model;
  return copy;
}

/**
 * Replay text made once with the per-replay id and model left as holes, so a repeated hit
 * only fills them in instead of parsing, copying and serialising the entry again.
 */
export interface Template {
  render(id: string, model: string): string[];
  /** UTF-8 length of the texts. */
  readonly bytes: number;
}

function template(make: (id: string, model: string) => string[]): Template {
  // Random markers, made after the entry was recorded, so no answer text can contain them;
  // JSON.stringify leaves them intact, so splitting on their quoted form finds each hole.
  const mark = randomHex(16);
  const idMark = `wf-id-${mark}`;
  const modelMark = `wf-model-${mark}`;
  const quotedId = JSON.stringify(idMark);
  const texts = make(idMark, modelMark);
  const split = new RegExp(`(${quotedId}|${JSON.stringify(modelMark)})`);
  const parts = texts.map((t) => t.split(split));
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t);
  return {
    bytes,
    render(id, model) {
      const [qi, qm] = [JSON.stringify(id), JSON.stringify(model)];
      return parts.map((p) => {
        let out = p[0]!;
        for (let i = 1; i < p.length; i += 2) out += (p[i] === quotedId ? qi : qm) + p[i + 1];
        return out;
      });
    },
  };
}

/** The entry's non-stream answer (replayFinal) as one text. */
export function finalTemplate(entry: CacheEntry): Template {
  return template((id, model) => [JSON.stringify(replayFinal(entry, { api: entry.api, id, model }))]);
}

/** The entry's SSE replay (replayStream), one text per event. */
export function streamTemplate(entry: CacheEntry, includeUsage: boolean): Template {
  const decoder = new TextDecoder();
  return template((id, model) => {
    const opts = { api: entry.api, includeUsage, id, model };
    const events = entry.api === "responses" ? responseEvents(entry, opts) : chatLikeEvents(entry, opts);
    return events.map((e) => decoder.decode(e));
  });
}

/** Rendered event texts as a stream, one enqueue per event like replayStream. */
export function streamOfTexts(texts: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < texts.length) controller.enqueue(encoder.encode(texts[i++]));
      else controller.close();
    },
  });
}
