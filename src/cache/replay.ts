// A cache entry back onto the wire, as SSE or as a final object, for any request shape:
// an entry recorded from a stream can answer a non-stream request and vice versa. The
// protocol row (protocol/api/*.ts) knows the shapes; this file makes ids and templates.
// Each replay gets fresh ids (a client may key its state on them, e.g. Responses
// previous_response_id) and the model name the client asked for.
import { PROTOCOLS, type Json, type ProtocolSpec } from "../protocol/apis.ts";
import { eventText } from "../protocol/sse.ts";
import type { CacheEntry } from "./store.ts";

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

export function freshId(spec: ProtocolSpec): string {
  return spec.freshId(randomHex);
}

/** The recorded payloads, or ones derived from the final object if it was not streamed. */
function payloads(entry: CacheEntry, spec: ProtocolSpec): Json[] {
  if (entry.stream) return entry.stream.filter((p) => p.trim() !== "[DONE]").map((p) => JSON.parse(p) as Json);
  return spec.toEvents(entry.final as Json);
}

/** The entry's SSE replay, one text per event (same boundaries as the original stream). */
export function replayTexts(entry: CacheEntry, o: { includeUsage: boolean; id: string; model: string }): string[] {
  const spec = PROTOCOLS[entry.api];
  return spec.replay(payloads(entry, spec), (entry.final as Json | null) ?? null, o).map((p) => eventText(p.data, p.event));
}

/** The entry's non-stream answer, with the client's id and model. */
export function replayFinal(entry: CacheEntry, o: { id: string; model: string }): Json {
  const spec = PROTOCOLS[entry.api];
  let final = (entry.final as Json | null) ?? null;
  if (!final && entry.stream) {
    const a = spec.assembler();
    for (const p of payloads(entry, spec)) a.push(p);
    final = a.finish();
  }
  return spec.identify(final ?? {}, o.id, o.model);
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
  const quotedModel = JSON.stringify(modelMark);
  const texts = make(idMark, modelMark);
  const parts = texts.map((t) => splitAtHoles(t, quotedId, quotedModel));
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

/**
 * [text, hole, text, hole, …, text]: what split() on the two marks as one capturing RegExp
 * gives, without compiling a RegExp for every entry (each has its own marks; that compile
 * was most of a template's 20 µs, paid on every recorded answer).
 */
function splitAtHoles(t: string, a: string, b: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const i = t.indexOf(a, at);
    const j = t.indexOf(b, at);
    const k = i === -1 ? j : j === -1 ? i : Math.min(i, j);
    if (k === -1) break;
    const mark = k === i ? a : b;
    out.push(t.slice(at, k), mark);
    at = k + mark.length;
  }
  out.push(t.slice(at));
  return out;
}

/** The entry's non-stream answer (replayFinal) as one text. */
export function finalTemplate(entry: CacheEntry): Template {
  return template((id, model) => [JSON.stringify(replayFinal(entry, { id, model }))]);
}

/** The entry's SSE replay (replayTexts), one text per event. */
export function streamTemplate(entry: CacheEntry, includeUsage: boolean): Template {
  return template((id, model) => replayTexts(entry, { includeUsage, id, model }));
}
