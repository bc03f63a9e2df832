// Time as the router and the upstream client see it: injected, so tests can drive failover,
// deadlines and first-token timeouts without real waits.

/** Schedules fn after ms; returns a canceller. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export interface Clock {
  /** Milliseconds, monotonic enough for budgets (Date.now in production). */
  now(): number;
  setTimer: SetTimer;
}

export const realClock: Clock = {
  now: Date.now,
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
