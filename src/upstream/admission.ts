// Per-upstream concurrency limiter. A local GPU server serves a handful of requests at
// once; beyond that each extra request only slows everyone (llama.cpp --parallel slots,
// Ollama OLLAMA_NUM_PARALLEL). Admission decides what a request does when all slots are
// busy, per the configured busy policy:
//   "overflow" → don't wait at all: null at once, the caller tries the next target;
//   "wait"     → wait in line up to maxQueueMs, then null (caller tries the next target);
//   "queue"    → wait in line until a slot frees; bounded only by the caller's deadline,
//                passed as maxQueueMs and/or the signal (null then means give up).
// Waiters are served strictly in arrival order: a freed slot is handed straight to the
// head of the line, and tryAcquire never jumps ahead of anyone waiting.
//
// The line itself is bounded (load shedding): past `maxQueue` waiters a request is refused at
// once, whatever the policy, so under overload the requests admitted keep a bounded latency
// and the rest are told to retry (503 with Retry-After) instead of all slowing down together
// until clients time out.

/** Frees the slot. Idempotent: calling it twice frees one slot. */
export type Release = () => void;
export type BusyPolicy = "queue" | "overflow" | "wait";
import { realClock, type SetTimer } from "./clock.ts";

export type { SetTimer } from "./clock.ts";

export interface AcquireOptions {
  policy: BusyPolicy;
  maxQueueMs: number;
  signal?: AbortSignal;
  setTimer?: SetTimer;
}

interface Waiter {
  grant(release: Release): void;
}

const realTimer: SetTimer = realClock.setTimer;

export class Admission {
  private readonly max: number;
  private readonly maxQueue: number;
  private active = 0;
  // A Set iterates in insertion order and deletes in O(1): a FIFO with cheap removal.
  private readonly waiters = new Set<Waiter>();

  /** Requests refused because the line was full, since start (for /metrics). */
  shed = 0;

  constructor(opts: { maxConcurrency: number; maxQueue?: number }) {
    this.max = opts.maxConcurrency > 0 ? opts.maxConcurrency : Infinity;
    this.maxQueue = opts.maxQueue ?? Infinity;
  }

  /** The line is full: a request that would wait is refused instead. */
  full(): boolean {
    return this.waiters.size >= this.maxQueue;
  }

  /** Requests holding a slot now. */
  outstanding(): number {
    return this.active;
  }

  /** Requests waiting for a slot now. */
  queued(): number {
    return this.waiters.size;
  }

  tryAcquire(): Release | null {
    if (this.active >= this.max || this.waiters.size > 0) return null;
    this.active++;
    return this.makeRelease();
  }

  /**
   * Resolves to a Release once a slot is held, or null if the policy says not to wait
   * (any longer), or the signal aborted. A Release you receive is yours to call, even if
   * the signal aborts right after.
   */
  acquire(opts: AcquireOptions): Promise<Release | null> {
    if (opts.signal?.aborted) return Promise.resolve(null);
    const now = this.tryAcquire();
    if (now || opts.policy === "overflow") return Promise.resolve(now);
    if (this.full()) {
      this.shed++;
      return Promise.resolve(null);
    }
    return new Promise((resolve) => this.enqueue(opts, resolve));
  }

  private enqueue(opts: AcquireOptions, resolve: (r: Release | null) => void): void {
    const { signal } = opts;
    let cancelTimer: (() => void) | undefined;
    const leave = () => {
      this.waiters.delete(waiter);
      cancelTimer?.();
      signal?.removeEventListener("abort", leave);
      resolve(null);
    };
    const waiter: Waiter = {
      grant: (release) => {
        cancelTimer?.();
        signal?.removeEventListener("abort", leave);
        resolve(release);
      },
    };
    this.waiters.add(waiter);
    signal?.addEventListener("abort", leave, { once: true });
    if (Number.isFinite(opts.maxQueueMs)) {
      cancelTimer = (opts.setTimer ?? realTimer)(leave, Math.max(0, opts.maxQueueMs));
    }
  }

  private makeRelease(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.handOff();
    };
  }

  // Give the freed slot to the longest waiter (it stays counted in `active`), or free it.
  private handOff(): void {
    const first = this.waiters.values().next();
    if (first.done) {
      this.active--;
      return;
    }
    this.waiters.delete(first.value);
    first.value.grant(this.makeRelease());
  }
}
