// A Clock (src/upstream/clock.ts) whose time moves only when a test says so. Timers fire in
// time order (ties in the order they were set) during advance(), and after each one the
// microtask queue is drained so the code they woke (an aborted fetch, a failover to the next
// target) runs and can set further timers before the next due one is considered.
import type { Clock } from "../../src/upstream/clock.ts";

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Microtask turns per flush: enough for the router's await chains, no macrotask needed. */
const TURNS = 50;

/** Let pending promise continuations run (no timers, no real wait). */
export async function flush(turns = TURNS): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<Timer>();

  constructor(start = 1_000_000) {
    this.t = start;
  }

  // Arrow properties: the router passes `clock.setTimer` and `clock.now` around unbound.
  now = (): number => this.t;

  setTimer = (fn: () => void, ms: number): (() => void) => {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return () => void this.timers.delete(timer);
  };

  /** Timers set and neither fired nor cancelled. */
  pending(): number {
    return this.timers.size;
  }

  /** Drain microtasks, then move time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      const due = this.nextDue(end);
      if (!due) break;
      this.timers.delete(due);
      this.t = due.at;
      due.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }

  flush(turns?: number): Promise<void> {
    return flush(turns);
  }

  private nextDue(end: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) {
      if (timer.at > end) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    }
    return best;
  }
}
