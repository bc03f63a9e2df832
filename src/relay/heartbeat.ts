// SSE comment heartbeats while a stream is silent, so proxies in between (nginx's 60 s
// proxy_read_timeout, load balancers' idle timeouts) don't cut it.
//
// Every open stream with the same tick shares one interval timer: a timer per stream was 1,000
// timers (and 1,000 wake-ups a second) with 1,000 streams open, each with its own closure.
// Silence is a duration, timed on the step-free clock: on the wall clock, one set back (NTP
// on a Pi, upstream/clock.ts) stopped every heartbeat for as long as the step, and a proxy in
// between cut the silent streams.
import { HEARTBEAT } from "../protocol/sse.ts";
import { GatewayError } from "../protocol/errors.ts";
import { stepFreeNow } from "../upstream/clock.ts";

interface Ticker {
  timer: ReturnType<typeof setInterval>;
  beats: Set<Heartbeat>;
}

/** One shared timer per tick length (streams of one config all have the same). */
const tickers = new Map<number, Ticker>();

/** How many shared timers are running (for tests: one however many streams are open). */
export function heartbeatTimers(): number {
  return tickers.size;
}

export class Heartbeat {
  private lastWrite = stepFreeNow();
  /** How often this stream is looked at: its interval, but at least once a second; 0 = off. */
  private readonly tick: number;

  /** `canBeat` says whether a comment may go out now (between events only). */
  constructor(
    private readonly ctl: ReadableStreamDefaultController<Uint8Array>,
    private readonly everyMs: number,
    private readonly canBeat: () => boolean,
  ) {
    this.tick = everyMs > 0 ? Math.max(10, Math.min(everyMs, 1000)) : 0;
    if (this.tick === 0) return;
    let t = tickers.get(this.tick);
    if (!t) {
      const beats = new Set<Heartbeat>();
      const timer = setInterval(() => {
        const now = stepFreeNow();
        for (const b of beats) b.beat(now);
      }, this.tick);
      t = { timer, beats };
      tickers.set(this.tick, t);
    }
    t.beats.add(this);
  }

  private beat(now: number): void {
    if (now - this.lastWrite < this.everyMs || !this.canBeat()) return;
    try {
      this.ctl.enqueue(HEARTBEAT);
      this.lastWrite = now;
    } catch {
      // The stream closed under us (its end is reported elsewhere): it beats no more.
      this.stop();
    }
  }

  /** Something real was written: the next heartbeat is a full interval away. */
  touch(): void {
    this.lastWrite = stepFreeNow();
  }

  stop(): void {
    const t = tickers.get(this.tick);
    if (!t?.beats.delete(this) || t.beats.size > 0) return;
    clearInterval(t.timer);
    tickers.delete(this.tick);
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
