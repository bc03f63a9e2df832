// One total time budget per request, shared by admission waits and every attempt, so
// falling back through several targets can never take longer than the client allows.
// The signal aborts with timeoutReason("deadline") when the budget runs out, or with the
// parent's reason when the parent (the client's request) aborts first.

import { timeoutReason } from "./failure.ts";
import { type SetTimer, stepFreeNow } from "../upstream/clock.ts";

export interface Deadline {
  signal: AbortSignal;
  /** Milliseconds left, never negative; Infinity for an unbounded deadline. */
  remaining(): number;
  /** Stop the timer and detach from the parent. Safe to call more than once. */
  dispose(): void;
}

export interface DeadlineClock {
  now?: () => number;
  /** Step-free milliseconds for the budget (clock.ts); without it `now`, then performance.now. */
  elapsed?: () => number;
  setTimer?: SetTimer;
}

const stepFree = (clock: DeadlineClock): (() => number) => clock.elapsed ?? clock.now ?? stepFreeNow;

export function deadline(ms: number, parent?: AbortSignal, clock: DeadlineClock = {}): Deadline {
  const now = stepFree(clock);
  const end = now() + ms;
  const ctrl = new AbortController();
  const onParentAbort = () => ctrl.abort(parent?.reason);
  let cancelTimer: (() => void) | undefined;

  const dispose = () => {
    cancelTimer?.();
    cancelTimer = undefined;
    parent?.removeEventListener("abort", onParentAbort);
  };

  if (parent?.aborted) ctrl.abort(parent.reason);
  else if (!(ms > 0)) ctrl.abort(timeoutReason("deadline"));
  else {
    parent?.addEventListener("abort", onParentAbort, { once: true });
    if (Number.isFinite(ms)) {
      const fire = () => ctrl.abort(timeoutReason("deadline"));
      if (clock.setTimer) cancelTimer = clock.setTimer(fire, ms);
      else {
        const t = setTimeout(fire, ms);
        cancelTimer = () => clearTimeout(t);
      }
    }
  }
  ctrl.signal.addEventListener("abort", dispose, { once: true });

  return {
    signal: ctrl.signal,
    remaining: () => (ctrl.signal.aborted ? 0 : Math.max(0, end - now())),
    dispose,
  };
}

/**
 * The same budget, but its signal (a controller, a timer and a parent listener) is built
 * only when something waits on it. Most requests are served at once and never need it,
 * so the hot path pays for a timestamp only.
 */
export function lazyDeadline(ms: number, parent: AbortSignal, clock: DeadlineClock = {}): Deadline {
  const now = stepFree(clock);
  const end = now() + ms;
  let inner: Deadline | undefined;
  let disposed = false;
  return {
    get signal() {
      inner ??= deadline(disposed ? Infinity : Math.max(0, end - now()), disposed ? undefined : parent, clock);
      return inner.signal;
    },
    remaining: () => (inner ? inner.remaining() : parent.aborted ? 0 : Math.max(0, end - now())),
    dispose: () => {
      disposed = true;
      inner?.dispose();
    },
  };
}
