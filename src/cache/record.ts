// What the cache keeps of an answer, from what the client got: the events of a stream (as
// the outgoing stream saw them, so nothing is parsed twice) or the whole JSON. A stream is
// assembled as it goes (the protocol row's assembler), so an answer is held once; its raw
// payloads are kept beside it only while small, for a replay with the same chunk boundaries.
// Null when the answer must not be kept: not 2xx, not parseable, a terminal error event, a
// stream that was cut, larger than the per-entry limit, or no proper finish (`complete`).
import type { Json, Payload, ProtocolSpec } from "../protocol/apis.ts";
import type { DataSpans } from "../protocol/sse.ts";

export interface Recorded {
  /** The stream's data payloads in order; null if recorded from a non-stream answer or too large to keep twice. */
  stream: string[] | null;
  final: unknown;
  /** About how many bytes the answer was. */
  bytes: number;
}

export interface Recorder {
  /**
   * A batch of whole events sent to the client: its `plain` data spans when every event is a
   * plain `data: …` one (read in place, no per-event objects: a burst of big recorded streams
   * spent most of the memory the cache added on those), else its parsed events.
   */
  push(batch: { readonly plain: DataSpans | null; readonly events: readonly Payload[] }): void;
  /** Call once the answer ended normally; the whole JSON text when it was not a stream. */
  finish(text?: string): Recorded | null;
}

// Past this, a stream's payloads are not kept beside its final object: a replay splits the
// final object into chunks instead (protocol/api/*.ts toEvents).
const KEEP_PAYLOADS_BYTES = 256 * 1024;

// Recording reads each batch as text and copies its pieces out: garbage about twice the size
// of what is recorded, which the engine collected late enough to raise a burst of big cacheable
// answers' peak (tests/e2e/memory.test.ts: cached peak 353 → 327 MB mean with this). So every
// COLLECT_EVERY bytes recorded, across all recordings, the engine is asked (not forced:
// Bun.gc(false) returns at once) to collect.
const COLLECT_EVERY = 16 * 1024 * 1024;
let recordedSinceCollect = 0;
function collectNowAndThen(recorded: number): void {
  recordedSinceCollect += recorded;
  if (recordedSinceCollect < COLLECT_EVERY) return;
  recordedSinceCollect = 0;
  Bun.gc(false);
}

/** `maxBytes`: an answer larger than this is not kept, and stops being held as soon as it passes. */
export function recorder(spec: ProtocolSpec, status: number, maxBytes = Infinity): Recorder {
  const ok = status >= 200 && status < 300;
  const assembler = spec.assembler();
  let payloads: string[] | null = [];
  let bytes = 0;
  let bad = !ok; // not 2xx, too large, an error event, or a payload that is not JSON
  const drop = () => {
    bad = true;
    payloads = null;
  };
  /** Adds an event's data to the answer's size: false once it is past the per-entry limit. */
  const counted = (n: number) => {
    bytes += n;
    return bytes <= maxBytes;
  };
  /** One event's data: assembled, and kept while the payloads are small. */
  const take = (data: string, event: string | undefined) => {
    if (data.trim() === "[DONE]") return;
    if (!counted(data.length) || event === "error") return drop();
    let p: Json;
    try {
      p = JSON.parse(data) as Json;
    } catch {
      return drop(); // not JSON where JSON was due: nothing trustworthy to keep
    }
    if (p.error != null || p.type === "error") return drop();
    assembler.push(p);
    assembler.learn?.(data, p);
    keep(data);
  };
  const keep = (data: string) => {
    if (payloads && bytes <= KEEP_PAYLOADS_BYTES) payloads.push(data);
    else payloads = null;
  };
  /**
   * A plain event's data, taken where it lies when the assembler can read it so (a chat text
   * chunk shaped like one it parsed: Assembler.take), else cut out and parsed.
   */
  const takeAt = (text: string, start: number, end: number) => {
    if (!assembler.take?.(text, start, end)) return take(text.slice(start, end), undefined);
    if (!counted(end - start)) return drop();
    if (payloads) keep(text.slice(start, end));
  };
  const pushBatch = (batch: { readonly plain: DataSpans | null; readonly events: readonly Payload[] }) => {
    const plain = batch.plain;
    if (plain) {
      const { text, spans } = plain;
      for (let i = 0; i < spans.length && !bad; i += 2) takeAt(text, spans[i], spans[i + 1]);
      assembler.batchDone?.();
    } else {
      for (const e of batch.events) if (!bad) take(e.data, e.event);
    }
  };
  return {
    push(batch) {
      if (bad) return;
      const before = bytes;
      pushBatch(batch);
      collectNowAndThen(bytes - before);
    },
    finish(text) {
      if (bad) return null;
      if (text !== undefined) return text.length > maxBytes ? null : fromFinal(spec, text);
      const final = assembler.finish();
      return final && spec.complete(final) ? { stream: payloads, final, bytes } : null;
    },
  };
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
