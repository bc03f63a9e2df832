// Fairness between streams and everything else on the one event loop. An upstream faster than
// its client keeps a relay in microtasks (each read resolves at once from buffered bytes), and
// nothing else runs until the microtask queue is empty: with 200 fast streams, a /healthz
// waited seconds. So a relay asks, before each read, whether the loop has been busy too long
// without a turn, and if so waits for the next one.
//
// Measured in time, not bytes: a byte quota made every stream sleep a timer per quota even when
// nothing else waited, and let 200 streams together still hold the loop for 200 quotas.
// All relays wait on one shared timer, so a pass of the timer phase resumes them together and the
// turn's clock restarts for all of them at once. A timer, not setImmediate: Bun runs immediates
// queued while it runs immediates in the same pass.

/** How long relays may keep the event loop to themselves before they give it a turn. */
export const TURN_BUDGET_MS = 5;

let turnStarted = performance.now();
let waiting: Promise<void> | null = null;

/** True when the relays have had the loop for longer than the budget since the last turn. */
export function overBudget(): boolean {
  return performance.now() - turnStarted > TURN_BUDGET_MS;
}

/** Resolves in the next timer phase, after I/O and other requests had their turn. */
export function nextTurn(): Promise<void> {
  waiting ??= new Promise<void>((resolve) =>
    setTimeout(() => {
      waiting = null;
      turnStarted = performance.now();
      resolve();
    }, 0),
  );
  return waiting;
}
