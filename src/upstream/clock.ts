// Time as the router and the upstream client see it: injected, so tests can drive failover,
// deadlines and first-token timeouts without real waits.

/** Schedules fn after ms; returns a canceller. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export interface Clock {
  /** Wall-clock milliseconds (Date.now in production): for timestamps and HTTP dates. */
  now(): number;
  /**
   * Milliseconds for durations only, from a clock that never steps. The wall clock can: a
   * Raspberry Pi has no battery clock, boots at its last shutdown time and is set forward by
   * NTP minutes later, which, measured on `now`, would cut every stream in flight as idle or
   * too long, or (stepped back) leave a hung one uncut and an open circuit open for as long as
   * the step. Absent (a test's clock), `now` serves.
   */
  elapsed?(): number;
  setTimer: SetTimer;
}

/** The step-free clock of production: what every duration is timed on. */
export const stepFreeNow = (): number => performance.now();

export const realClock: Clock = {
  now: Date.now,
  elapsed: stepFreeNow,
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
