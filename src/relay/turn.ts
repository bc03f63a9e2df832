// Fairness between streams and everything else on the one event loop. An upstream faster than
// its client keeps a relay in microtasks (each read resolves at once from buffered bytes), and
// nothing else runs until the microtask queue is empty: with 200 fast streams, a /healthz
// waited seconds. So a relay asks, after each read, whether the loop has been busy too long
// without a turn, and if so waits for the next one.
//
// Measured in time, not bytes: a byte quota made every stream sleep a timer per quota even when
// nothing else waited, and let 200 streams together still hold the loop for 200 quotas.
// All relays wait on one shared timer, so a pass of the timer phase resumes them together and the
// clock restarts for all of them at once; a relay that finds the loop had its turn since (the
// timer ran) starts a new stretch, so a lone stream never waits. A timer, not setImmediate: Bun runs immediates
// queued while it runs immediates in the same pass.

/** How long relays may keep the event loop to themselves before they give it a turn. */
export const TURN_BUDGET_MS = 5;

// A busy stretch of the loop: from the first check after a turn, until the timer scheduled at
// that check runs (which it does only once the loop is free of microtasks). While it is
// pending, relays are inside one stretch; when it has run, the next check starts a new one.
let stretchStarted = 0;
let stretchEnds: Promise<void> | null = null;

function inStretch(): Promise<void> {
  if (!stretchEnds) {
    stretchStarted = performance.now();
    stretchEnds = new Promise<void>((resolve) =>
      setTimeout(() => {
        stretchEnds = null;
        resolve();
      }, 0),
    );
  }
  return stretchEnds;
}

/** True when relays have had the loop for longer than the budget without a turn in between. */
export function overBudget(): boolean {
  inStretch();
  return performance.now() - stretchStarted > TURN_BUDGET_MS;
}

/** Resolves in the next timer phase, after I/O and other requests had their turn. */
export function nextTurn(): Promise<void> {
  return inStretch();
}
