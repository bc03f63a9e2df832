// Upstream SSE bytes → client, as they arrive. Whole events only (see boundary.ts), SSE
// comment heartbeats while the upstream is silent, the client's disconnect passed upstream
// at once, and a proper terminal error event if the upstream dies mid-stream.
import { GatewayError, chatStreamErrorEvent, responsesStreamErrorEvent } from "../protocol/errors.ts";
import { concat, lastEventEnd } from "./boundary.ts";
import { stripUsageChunks } from "./usage.ts";
import { Heartbeat, streamInterrupted } from "./heartbeat.ts";

export type StreamApi = "chat" | "responses" | "completions";

export interface RelayEnd {
  /** true when the upstream closed the stream normally. */
  ok: boolean;
  /** the client went away first */
  cancelled: boolean;
  error?: GatewayError;
  bytes: number;
}

export interface RelayOptions {
  api: StreamApi;
  heartbeatMs: number;
  upstreamName: string;
  /** Abort the upstream request (client went away). */
  abortUpstream: (reason?: unknown) => void;
  onEnd?: (end: RelayEnd) => void;
  /** Drop chat usage-only chunks: the gateway asked for them, the client didn't. */
  stripUsage?: boolean;
  /** Sees each forwarded run of complete events (cache recorder, usage accounting). */
  onEvents?: (bytes: Uint8Array) => void;
}

const encoder = new TextEncoder();
const NEWLINE = encoder.encode("\n");

export function relaySse(upstream: ReadableStream<Uint8Array>, o: RelayOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  let held: Uint8Array | null = null; // bytes of an event not yet complete
  let beat: Heartbeat | null = null;
  let done = false;
  let bytes = 0;
  let lastEvent: Uint8Array | null = null;

  const finish = (end: Omit<RelayEnd, "bytes">) => {
    if (done) return;
    done = true;
    beat?.stop();
    o.onEnd?.({ ...end, bytes });
  };

  return new ReadableStream<Uint8Array>({
    start(ctl) {
      // Only between events: a comment inside a half-sent event would corrupt it.
      beat = new Heartbeat(ctl, o.heartbeatMs, () => !done && held === null);
    },
    async pull(ctl) {
      try {
        for (;;) {
          const { value, done: eof } = await reader.read();
          if (eof) {
            if (held && held[held.length - 1] === 10) {
              // The last event's lines are complete but the blank line after it never came
              // (some servers end that way): complete it so the client sees the event.
              const out = concat(held, NEWLINE);
              held = null;
              bytes += out.length;
              o.onEvents?.(out);
              ctl.enqueue(out);
            } else if (held) throw new Error("the stream ended in the middle of an event");
            finish({ ok: true, cancelled: false });
            ctl.close();
            return;
          }
          const buf: Uint8Array = held ? concat(held, value) : value;
          const end = lastEventEnd(buf);
          if (end === -1) {
            held = buf;
            continue;
          }
          // Fast path: the chunk ends on an event boundary, forward it as is.
          let out = end === buf.length ? buf : buf.subarray(0, end);
          held = end === buf.length ? null : buf.slice(end);
          if (o.stripUsage) {
            out = stripUsageChunks(out);
            if (out.length === 0) continue;
          }
          bytes += out.length;
          lastEvent = out;
          beat?.touch();
          o.onEvents?.(out);
          ctl.enqueue(out);
          return;
        }
      } catch (err) {
        if (done) return;
        const error = streamInterrupted(o.upstreamName, (err as Error)?.message ?? String(err));
        ctl.enqueue(encoder.encode(terminalEvent(o.api, error, lastEvent)));
        finish({ ok: false, cancelled: false, error });
        ctl.close();
      }
    },
    cancel(reason) {
      finish({ ok: false, cancelled: true });
      o.abortUpstream(reason);
      reader.cancel(reason).catch(() => {});
    },
  });
}

function terminalEvent(api: StreamApi, error: GatewayError, lastEvent: Uint8Array | null): string {
  if (api !== "responses") return chatStreamErrorEvent(error);
  // The error event continues the stream's sequence numbering.
  const tail = lastEvent ? new TextDecoder().decode(lastEvent.subarray(Math.max(0, lastEvent.length - 4096))) : "";
  const seqs = [...tail.matchAll(/"sequence_number":\s*(\d+)/g)];
  const next = seqs.length ? Number(seqs[seqs.length - 1][1]) + 1 : 0;
  return responsesStreamErrorEvent(error, next);
}
