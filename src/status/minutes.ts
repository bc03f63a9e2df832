// One bucket per minute for the last hour: the status page's charts and "last hour" shares.
// Buckets are reused by minute number modulo the window, and a bucket from an older lap is
// reset on first use, so nothing grows and no timer is needed (time is read on each call).

/** Requests by how they ended and who answered: a minute's bucket and the day's totals alike. */
export interface OutcomeCounts {
  /** Every request that ended, by outcome. */
  ok: number;
  error: number;
  cancelled: number;
  /** Where the answer came from (answered requests only: cache hits, local, cloud). */
  local: number;
  cloud: number;
  cache: number;
}

export interface MinuteCounts extends OutcomeCounts {
  /** Sum and count of time to first token (streams), for the minute's average. */
  ttftSumMs: number;
  ttftCount: number;
}

const empty = (): MinuteCounts => ({ ok: 0, error: 0, cancelled: 0, local: 0, cloud: 0, cache: 0, ttftSumMs: 0, ttftCount: 0 });

export class MinuteRing {
  private readonly buckets: { minute: number; c: MinuteCounts }[];

  constructor(
    private readonly now: () => number = Date.now,
    readonly minutes = 60,
  ) {
    this.buckets = Array.from({ length: minutes }, () => ({ minute: -1, c: empty() }));
  }

  /** The current minute's counts, to add to. */
  current(): MinuteCounts {
    const minute = Math.floor(this.now() / 60_000);
    const b = this.buckets[minute % this.minutes];
    if (b.minute !== minute) {
      b.minute = minute;
      b.c = empty();
    }
    return b.c;
  }

  /** The window, oldest minute first, with empty minutes filled in: always `minutes` long. */
  series(): { minute: number; c: MinuteCounts }[] {
    const last = Math.floor(this.now() / 60_000);
    const out: { minute: number; c: MinuteCounts }[] = [];
    for (let m = last - this.minutes + 1; m <= last; m++) {
      const b = this.buckets[((m % this.minutes) + this.minutes) % this.minutes];
      out.push({ minute: m, c: b.minute === m ? b.c : empty() });
    }
    return out;
  }

  /** The window's counts added up. */
  total(): MinuteCounts {
    const t = empty();
    for (const { c } of this.series()) for (const k of Object.keys(t) as (keyof MinuteCounts)[]) t[k] += c[k];
    return t;
  }
}
