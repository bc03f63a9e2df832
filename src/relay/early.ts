// A stream response committed before the upstream answered (see handlers/proxy.ts):
// heartbeats until it does, then its events, or the API's terminal error event.
import { HEARTBEAT } from "../protocol/sse.ts";
import { Heartbeat } from "./heartbeat.ts";
import { GatewayError, chatStreamErrorEvent, responsesStreamErrorEvent, toGatewayError } from "../protocol/errors.ts";
import type { StreamApi } from "./stream.ts";

const encoder = new TextEncoder();

export interface EarlyOptions<S> {
  api: StreamApi;
  attempt: Promise<S>;
  heartbeatMs: number;
  relay: (served: S) => ReadableStream<Uint8Array>;
  onError: (e: GatewayError) => void;
}

export function earlyStream<S>(o: EarlyOptions<S>): ReadableStream<Uint8Array> {
  let inner: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let cancelled = false;
  let beat: Heartbeat | undefined;
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      ctl.enqueue(HEARTBEAT); // at once: the client learns the stream has begun
      beat = new Heartbeat(ctl, o.heartbeatMs, () => !cancelled);
      void (async () => {
        let served: S;
        try {
          served = await o.attempt;
        } catch (err) {
          beat?.stop();
          if (cancelled) return;
          const e = toGatewayError(err);
          o.onError(e);
          ctl.enqueue(encoder.encode(o.api === "responses" ? responsesStreamErrorEvent(e, 0) : chatStreamErrorEvent(e)));
          ctl.close();
          return;
        }
        beat?.stop();
        inner = o.relay(served).getReader();
        if (cancelled) return void inner.cancel();
        for (;;) {
          const { value, done } = await inner.read();
          if (done || cancelled) break;
          ctl.enqueue(value);
        }
        if (!cancelled) ctl.close();
      })().catch(() => {
        // The client went away while we were writing: nothing left to tell it.
      });
    },
    cancel(reason) {
      cancelled = true;
      beat?.stop();
      inner?.cancel(reason);
    },
  });
}
