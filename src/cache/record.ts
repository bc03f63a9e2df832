// What the cache keeps of an answer, from what the client got: the events of a stream (as
// the outgoing stream saw them, so nothing is parsed twice) or the whole JSON. Null when the
// answer must not be kept: not 2xx, not parseable, a terminal error event, a stream that
// was cut, or no proper finish (the protocol row's `complete`).
import type { Json, Payload, ProtocolSpec } from "../protocol/apis.ts";

export interface Recorded {
  /** The stream's data payloads in order, or null if recorded from a non-stream answer. */
  stream: string[] | null;
  final: unknown;
}

export interface Recorder {
  /** Events sent to the client. */
  push(events: readonly Payload[]): void;
  /** Call once the answer ended normally; the whole JSON text when it was not a stream. */
  finish(text?: string): Recorded | null;
}

/** `maxBytes`: an answer larger than this is not kept, and stops being held as soon as it passes. */
export function recorder(spec: ProtocolSpec, status: number, maxBytes = Infinity): Recorder {
  const ok = status >= 200 && status < 300;
  let events: Payload[] = [];
  let bytes = 0;
  let over = false;
  return {
    push(evs) {
      if (!ok || over) return;
      for (const e of evs) {
        bytes += e.data.length;
        events.push(e);
      }
      if (bytes > maxBytes) {
        over = true;
        events = [];
      }
    },
    finish(text) {
      if (!ok || over || (text !== undefined && text.length > maxBytes)) return null;
      try {
        return text === undefined ? fromStream(spec, events) : fromFinal(spec, JSON.parse(text));
      } catch {
        return null; // not JSON where JSON was due: nothing trustworthy to keep
      }
    },
  };
}

function fromStream(spec: ProtocolSpec, events: Payload[]): Recorded | null {
  const data = events.map((e) => e.data).filter((d) => d.trim() !== "[DONE]");
  const parsed = data.map((d) => JSON.parse(d) as Json);
  if (events.some((e) => e.event === "error") || parsed.some((p) => p.error != null || p.type === "error")) return null;
  const final = spec.assemble(parsed);
  return final && spec.complete(final) ? { stream: data, final } : null;
}

function fromFinal(spec: ProtocolSpec, final: unknown): Recorded | null {
  if (final === null || typeof final !== "object" || (final as Json).error != null) return null;
  return spec.complete(final as Json) ? { stream: null, final } : null;
}
