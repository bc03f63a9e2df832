// Percentiles over a bounded window of recent samples (the last `capacity` observations, not
// since start): the page's p50/p95 should say how an upstream is doing now, and a sort of a
// few hundred numbers at read time costs less than keeping a streaming sketch exact.
import { Ring } from "./ring.ts";

export class Reservoir {
  private readonly ring: Ring<number>;

  constructor(capacity = 256) {
    this.ring = new Ring(capacity);
  }

  add(value: number): void {
    if (Number.isFinite(value)) this.ring.push(value);
  }

  get size(): number {
    return this.ring.size;
  }

  /** Nearest-rank percentile (p in 0..100) of the samples held, or null with none. */
  percentile(p: number): number | null {
    const xs = this.ring.newestFirst().sort((a, b) => a - b);
    if (xs.length === 0) return null;
    const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * xs.length);
    return xs[Math.max(0, rank - 1)];
  }
}
