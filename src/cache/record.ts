// What the cache keeps of an answer, from what the client got: the events of a stream (as
// the outgoing stream saw them, so nothing is parsed twice) or the whole JSON. A stream is
// assembled as it goes (the protocol row's assembler), so an answer is held once; its raw
// payloads are kept beside it only while small, for a replay with the same chunk boundaries.
// Given a spill directory, a stream past SPILL_BYTES is not assembled as it goes: its bytes wait
// in a file (cache/spill.ts) and are recorded from there, by this same recorder, once the stream
// is over and its turn comes (assembleSpilled, cache/late-entries.ts).
// Null when the answer must not be kept: not 2xx, not parseable, a terminal error event, a
// stream that was cut, larger than the per-entry limit, or no proper finish (`complete`).
import type { Json, Payload, ProtocolSpec } from "../protocol/apis.ts";
import { type DataSpans, parseEvents, plainDataSpans } from "../protocol/sse.ts";
import { firstEventEnd, lastEventEnd } from "../protocol/sse-boundary.ts";
import type { SpillDir, SpillFile } from "./spill.ts";

export interface Recorded {
  /** The stream's data payloads in order; null if recorded from a non-stream answer or too large to keep twice. */
  stream: string[] | null;
  final: unknown;
  /** About how many bytes the answer was. */
  bytes: number;
}

/**
 * A stream recorded past SPILL_BYTES with a spill directory at hand: its events wait in a file
 * (cache/spill.ts), to be assembled and checked (assembleSpilled) once the stream is over, one
 * answer at a time, instead of all being held assembled while they stream.
 */
export interface Spilled {
  spilled: SpillFile;
  bytes: number;
}

export type Recording = Recorded | Spilled;

export const isSpilled = (r: Recording): r is Spilled => "spilled" in r;

export interface Recorder {
  /**
   * A batch of whole events sent to the client: its `plain` data spans when every event is a
   * plain `data: …` one (read in place, no per-event objects: a burst of big recorded streams
   * spent most of the memory the cache added on those), else its parsed events.
   */
  push(batch: RecordedBatch): void;
  /** Call once the answer ended normally; the whole JSON text when it was not a stream. */
  finish(text?: string): Recording | null;
  /** The answer did not end normally: nothing is kept (a spill file is removed). */
  abandon(): null;
}

// Past this, a stream's payloads are not kept beside its final object: a replay splits the
// final object into chunks instead (protocol/api/*.ts toEvents).
const KEEP_PAYLOADS_BYTES = 256 * 1024;

// Past this, given a spill directory, a stream goes to its file as it is (nothing assembled or
// kept in memory); read back, it is recorded as it would have been, payloads kept and all. Most
// answers end before it (the common coding-agent turn is a few KiB of text), and are kept at once.
const SPILL_BYTES = 32 * 1024;

/** A batch of whole events as the client got them (relay/frames.ts Batch). */
export interface RecordedBatch {
  readonly bytes: Uint8Array;
  readonly plain: DataSpans | null;
  readonly events: readonly Payload[];
}

/**
 * `maxBytes`: an answer larger than this is not kept, and stops being held as soon as it passes.
 * `spill`: where a stream goes once it is past SPILL_BYTES (none: it is assembled in memory
 * whatever its size).
 */
export function recorder(spec: ProtocolSpec, status: number, maxBytes = Infinity, spill?: SpillDir): Recorder {
  const ok = status >= 200 && status < 300;
  // Let go (a fresh, empty one) once the stream spills: what it assembled is in the file.
  let assembler = spec.assembler();
  let payloads: string[] | null = [];
  let file: SpillFile | null = null;
  let bytes = 0;
  let bad = !ok; // not 2xx, too large, an error event, or a payload that is not JSON
  const drop = () => {
    bad = true;
    payloads = null;
    file?.remove();
    file = null;
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
    payloads?.push(data);
  };
  /**
   * A plain event's data, taken where it lies when the assembler can read it so (a chat text
   * chunk shaped like one it parsed: Assembler.take), else cut out and parsed.
   */
  const takeAt = (text: string, start: number, end: number) => {
    if (!assembler.take?.(text, start, end)) return take(text.slice(start, end), undefined);
    if (!counted(end - start)) return drop();
    payloads?.push(text.slice(start, end));
  };
  const pushBatch = (batch: RecordedBatch) => {
    const plain = batch.plain;
    if (plain) {
      const { text, spans } = plain;
      for (let i = 0; i < spans.length && !bad; i += 2) takeAt(text, spans[i], spans[i + 1]);
      assembler.batchDone?.();
    } else {
      for (const e of batch.events) if (!bad) take(e.data, e.event);
    }
  };
  /**
   * Past SPILL_BYTES with a spill at hand, the payloads so far start its file (as the events they
   * were), and from then on each batch's bytes go there as they are: not decoded, parsed or
   * assembled until assembleSpilled reads them. Without one, past KEEP_PAYLOADS_BYTES, the
   * payloads are let go and the answer alone is assembled.
   */
  const pastKeep = () => {
    const held = payloads;
    payloads = null;
    if (!spill || !held) return;
    file = spill.open();
    assembler = spec.assembler();
    if (!file.append(encoder.encode(held.map(asEvent).join("")))) drop();
  };
  return {
    push(batch) {
      if (bad) return;
      if (file) {
        if (!counted(batch.bytes.length) || !file.append(batch.bytes)) drop();
        return;
      }
      pushBatch(batch);
      if (!bad && payloads && (bytes > KEEP_PAYLOADS_BYTES || (spill && bytes > SPILL_BYTES))) pastKeep();
    },
    finish(text) {
      if (bad) return null;
      if (text !== undefined) return text.length > maxBytes ? null : fromFinal(spec, text);
      if (file) return file.close() ? { spilled: file, bytes } : null;
      const final = assembler.finish();
      return final && spec.complete(final) ? { stream: payloads, final, bytes } : null;
    },
    abandon() {
      drop();
      return null;
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A payload as the plain event it came in (several data lines if it had line breaks). */
const asEvent = (data: string) => `data: ${data.includes("\n") ? data.replaceAll("\n", "\ndata: ") : data}\n\n`;

// A spilled answer is read back in batches of about this many bytes, a turn each.
const ASSEMBLE_BATCH_BYTES = 256 * 1024;

/**
 * A spilled answer read back from its file and recorded as if it streamed now: cut into
 * batches of whole events (protocol/sse-boundary.ts, as the relay cuts them), then parsed,
 * checked and assembled by the same recorder (so it is kept exactly when it would have been in
 * memory), a batch per step, so a large one does not hold the event loop. Each batch is framed
 * here with protocol/sse.ts as relay/frames.ts's Batch would frame it (cache/ does not import
 * relay/). The file is removed.
 */
export function* assembleSpilled(spec: ProtocolSpec, s: Spilled, maxBytes = Infinity): Generator<void, Recorded | null> {
  let all: Uint8Array;
  try {
    all = s.spilled.read();
  } catch {
    return null; // removed under us: it is a cache, the answer is not kept
  } finally {
    s.spilled.remove();
  }
  const rec = recorder(spec, 200, maxBytes);
  for (let at = 0; at < all.length; ) {
    const rest = all.subarray(at);
    // Whole events: up to the last one ending within the batch's size (or the first to end
    // past it, for an event larger than that); the file's last event may lack its blank line.
    let n = rest.length;
    if (n > ASSEMBLE_BATCH_BYTES) {
      n = lastEventEnd(rest.subarray(0, ASSEMBLE_BATCH_BYTES));
      if (n === -1) n = firstEventEnd(rest);
      if (n === -1) n = rest.length;
    }
    const bytes = rest.subarray(0, n);
    const text = decoder.decode(bytes);
    const spans = plainDataSpans(text);
    rec.push({ bytes, plain: spans && { text, spans }, events: spans ? [] : parseEvents(text) });
    at += n;
    if (at < all.length) yield;
  }
  const r = rec.finish();
  return r && !isSpilled(r) ? r : null;
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
