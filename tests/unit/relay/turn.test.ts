import { expect, test } from "bun:test";
import { TURN_BUDGET_MS, nextTurn, overBudget } from "../../../src/relay/turn.ts";

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

test("the loop's turn: under budget after a turn, over once relays held it past the budget, under again after the next turn", async () => {
  await nextTurn();
  // A relay that starts after the loop was idle (long past any earlier stretch) is under budget.
  await Bun.sleep(TURN_BUDGET_MS * 3);
  expect(overBudget()).toBe(false);
  busy(TURN_BUDGET_MS + 2);
  expect(overBudget()).toBe(true);
  // Still the same stretch: microtasks do not end it.
  await Promise.resolve();
  expect(overBudget()).toBe(true);
  await nextTurn();
  expect(overBudget()).toBe(false);
});

test("every relay waiting for the turn waits on the same timer", async () => {
  busy(TURN_BUDGET_MS + 2);
  const a = nextTurn();
  const b = nextTurn();
  expect(a).toBe(b);
  await a;
  expect(nextTurn()).not.toBe(a);
});
