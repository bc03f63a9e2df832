// SSE comment heartbeats while a stream is silent, so proxies in between (nginx's 60 s
// proxy_read_timeout, load balancers' idle timeouts) don't cut it.
import { HEARTBEAT } from "../protocol/sse.ts";
import { GatewayError } from "../protocol/errors.ts";

export class Heartbeat {
  private lastWrite = Date.now();
  private timer: ReturnType<typeof setInterval> | null = null;

  /** `canBeat` says whether a comment may go out now (between events only). */
  constructor(ctl: ReadableStreamDefaultController<Uint8Array>, everyMs: number, canBeat: () => boolean) {
    if (everyMs <= 0) return;
    this.timer = setInterval(
      () => {
        if (canBeat() && Date.now() - this.lastWrite >= everyMs) {
          ctl.enqueue(HEARTBEAT);
          this.lastWrite = Date.now();
        }
      },
      Math.max(10, Math.min(everyMs, 1000)),
    );
  }

  /** Something real was written: the next heartbeat is a full interval away. */
  touch(): void {
    this.lastWrite = Date.now();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** The error a stream ends with when its upstream stopped before the answer was complete. */
export function streamInterrupted(upstream: string, why: string): GatewayError {
  return new GatewayError(
    "stream_interrupted",
    `Upstream \`${upstream}\` ended the stream before it was complete: ${why}. The answer is incomplete.`,
    {
      code: "stream_interrupted",
    },
  );
}
