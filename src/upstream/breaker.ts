// Circuit breaker for one upstream: after `failureThreshold` consecutive failures we stop
// sending it traffic for `cooldownMs`, then let exactly one trial request through
// (half-open). The trial's outcome closes or re-opens the breaker.
//
// Separately, `coolDown(ms)` parks the upstream for a time the upstream itself asked for
// (Retry-After on 429/503). That is not a failure: it neither counts towards the
// threshold nor forgets the failure count, it only blocks attempts until it expires.
//
// Transitions are evaluated lazily against the injected clock, so there are no timers.

import { stepFreeNow } from "./clock.ts";

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. 0 or less disables opening. */
  failureThreshold: number;
  /** How long an opened breaker refuses attempts before allowing one trial. */
  cooldownMs: number;
  /**
   * A half-open trial that never reports (caller lost it) is presumed lost after this
   * long, so one bug cannot park an upstream forever. Default 30 s.
   */
  trialTimeoutMs?: number;
  now?: () => number;
  /** Hears each change of state once, when it happens or (lazy ones, open → half-open) when first seen. */
  onChange?: (change: BreakerChange) => void;
}

export interface BreakerChange {
  from: BreakerState;
  to: BreakerState;
  /** Why it opened: the failure count, or the upstream's own Retry-After. */
  cause: string | null;
  /** ms until an open breaker allows a trial (or the cool-down ends). */
  retryInMs: number;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** ms timestamp at which an open breaker allows a trial; null unless open. */
  openUntil: number | null;
  /** ms timestamp until which a Retry-After cool-down holds; null if none. */
  coolDownUntil: number | null;
  trialInFlight: boolean;
  /** How many times the breaker has opened since creation. */
  opens: number;
}

const DEFAULT_TRIAL_TIMEOUT_MS = 30_000;

export class Breaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly trialTimeoutMs: number;
  private readonly now: () => number;
  /** Wall-clock time, for the timestamps a snapshot shows (the injected clock, when there is one). */
  private readonly wall: () => number;
  private failures = 0;
  private tripped = false; // open or half-open because of failures
  private openedUntil = 0;
  private coolUntil = 0;
  private trialStartedAt = -1; // >= 0 while the half-open trial is in flight
  private opens = 0;
  private seen: BreakerState = "closed";
  private cause: string | null = null;
  private readonly onChange?: (change: BreakerChange) => void;

  constructor(opts: BreakerOptions) {
    this.threshold = opts.failureThreshold;
    this.cooldownMs = opts.cooldownMs;
    this.trialTimeoutMs = opts.trialTimeoutMs ?? DEFAULT_TRIAL_TIMEOUT_MS;
    // Cool-downs are durations: a clock that never steps (upstream/clock.ts says why).
    this.now = opts.now ?? stepFreeNow;
    this.wall = opts.now ?? Date.now;
    this.onChange = opts.onChange;
  }

  state(): BreakerState {
    const t = this.now();
    const s: BreakerState = t < this.coolUntil ? "open" : !this.tripped ? "closed" : t < this.openedUntil ? "open" : "half-open";
    if (s !== this.seen && this.onChange) {
      const change = { from: this.seen, to: s, cause: this.cause, retryInMs: Math.max(0, Math.max(this.coolUntil, this.openedUntil) - t) };
      this.seen = s;
      this.onChange(change);
    } else this.seen = s;
    return s;
  }

  /**
   * May a request be sent now? In half-open this hands out the single trial: it returns
   * true once, then false until onSuccess / onFailure / onAbandon reports the trial.
   */
  canAttempt(): boolean {
    const s = this.state();
    if (s === "closed") return true;
    if (s === "open") return false;
    const t = this.now();
    if (this.trialStartedAt >= 0 && t - this.trialStartedAt < this.trialTimeoutMs) return false;
    this.trialStartedAt = t;
    return true;
  }

  /** The upstream answered: any success is proof it works, so close from any state. */
  onSuccess(): void {
    this.failures = 0;
    this.tripped = false;
    this.trialStartedAt = -1;
    this.state();
  }

  onFailure(): void {
    this.trialStartedAt = -1;
    if (this.tripped) {
      // A failed trial re-opens; a late failure from a request started before the
      // breaker opened must not extend the cool-down.
      if (this.state() === "half-open") this.open("the half-open trial failed");
      return;
    }
    this.failures++;
    if (this.threshold > 0 && this.failures >= this.threshold) this.open(`${this.failures} consecutive failures`);
  }

  /** The trial ended without a verdict (e.g. the client aborted): free the trial slot. */
  onAbandon(): void {
    this.trialStartedAt = -1;
  }

  /** Refuse attempts for `ms` (Retry-After); never shortens an existing cool-down. */
  coolDown(ms: number): void {
    if (!(ms > 0)) return;
    this.coolUntil = Math.max(this.coolUntil, this.now() + ms);
    this.cause = `the upstream asked to wait ${Math.ceil(ms / 1000)} s (Retry-After)`;
    this.state();
  }

  snapshot(): BreakerSnapshot {
    const state = this.state();
    const t = this.now();
    const at = (until: number) => this.wall() + (until - t);
    return {
      state,
      consecutiveFailures: this.failures,
      openUntil: this.tripped && t < this.openedUntil ? at(this.openedUntil) : null,
      coolDownUntil: t < this.coolUntil ? at(this.coolUntil) : null,
      trialInFlight: this.trialStartedAt >= 0,
      opens: this.opens,
    };
  }

  private open(cause: string): void {
    this.cause = cause;
    this.tripped = true;
    this.openedUntil = this.now() + this.cooldownMs;
    this.opens++;
    this.state();
  }
}
