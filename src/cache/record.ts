// What the cache keeps of an answer, from what the client got: the events of a stream (as
// the outgoing stream saw them, so nothing is parsed twice) or the whole JSON. A stream is
// assembled as it goes (the protocol row's assembler), so an answer is held once; its raw
// payloads are kept beside it only while small, for a replay with the same chunk boundaries.
// Null when the answer must not be kept: not 2xx, not parseable, a terminal error event, a
// stream that was cut, larger than the per-entry limit, or no proper finish (`complete`).
import type { Json, Payload, ProtocolSpec } from "../protocol/apis.ts";

export interface Recorded {
  /** The stream's data payloads in order; null if recorded from a non-stream answer or too large to keep twice. */
  stream: string[] | null;
  final: unknown;
  /** About how many bytes the answer was. */
  bytes: number;
}

export interface Recorder {
  /** A batch of whole events sent to the client. */
  push(batch: { readonly bytes: Uint8Array; readonly events: readonly Payload[] }): void;
  /** Call once the answer ended normally; the whole JSON text when it was not a stream. */
  finish(text?: string): Recorded | null;
}

// Past this, a stream's payloads are not kept beside its final object: a replay splits the
// final object into chunks instead (protocol/api/*.ts toEvents).
const KEEP_PAYLOADS_BYTES = 256 * 1024;

/** `maxBytes`: an answer larger than this is not kept, and stops being held as soon as it passes. */
export function recorder(spec: ProtocolSpec, status: number, maxBytes = Infinity): Recorder {
  const ok = status >= 200 && status < 300;
  const assembler = spec.assembler();
  let payloads: string[] | null = [];
  let bytes = 0;
  let bad = !ok; // not 2xx, too large, an error event, or a payload that is not JSON
  return {
    push(batch) {
      if (bad) return;
      for (const e of plainPayloads(batch.bytes) ?? batch.events) {
        if (e.data.trim() === "[DONE]") continue;
        bytes += e.data.length;
        if (bytes > maxBytes || e.event === "error") {
          bad = true;
          payloads = null;
          return;
        }
        let p: Json;
        try {
          p = JSON.parse(e.data) as Json;
        } catch {
          bad = true; // not JSON where JSON was due: nothing trustworthy to keep
          payloads = null;
          return;
        }
        if (p.error != null || p.type === "error") {
          bad = true;
          payloads = null;
          return;
        }
        assembler.push(p);
        if (payloads && bytes <= KEEP_PAYLOADS_BYTES) payloads.push(e.data);
        else payloads = null;
      }
    },
    finish(text) {
      if (bad) return null;
      if (text !== undefined) return text.length > maxBytes ? null : fromFinal(spec, text);
      const final = assembler.finish();
      return final && spec.complete(final) ? { stream: payloads, final, bytes } : null;
    },
  };
}

const decoder = new TextDecoder();

/**
 * The payloads of a batch of plain `data: …` events (what OpenAI-compatible servers send: one
 * data line, LF-terminated), without the general parser's per-event objects and raw copies —
 * a burst of big recorded streams spent most of the memory the cache added there. Null when
 * any event is anything else (a name, several lines, CR, a comment): the caller parses it.
 */
function plainPayloads(bytes: Uint8Array): Payload[] | null {
  const text = decoder.decode(bytes);
  const out: Payload[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf("\n\n", at);
    if (end === -1 || !text.startsWith("data: ", at)) return null;
    const nl = text.indexOf("\n", at);
    if (nl !== end || text.charCodeAt(end - 1) === 13) return null;
    out.push({ data: text.slice(at + 6, end) });
    at = end + 2;
  }
  return out;
}

function fromFinal(spec: ProtocolSpec, text: string): Recorded | null {
  let final: unknown;
  try {
    final = JSON.parse(text);
  } catch {
    return null;
  }
  if (final === null || typeof final !== "object" || (final as Json).error != null) return null;
  return spec.complete(final as Json) ? { stream: null, final, bytes: text.length } : null;
}
