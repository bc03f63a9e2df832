import { describe, expect, test } from "bun:test";
import { deadline, lazyDeadline } from "../../../src/router/deadline.ts";
import { classifyFetchError } from "../../../src/router/failure.ts";
import type { SetTimer } from "../../../src/upstream/admission.ts";

function fakeClock(start = 1000) {
  const clock = { t: start, fire: [] as (() => void)[], cancelled: 0 };
  const setTimer: SetTimer = (fn, ms) => {
    clock.fire.push(() => {
      clock.t += ms;
      fn();
    });
    return () => void clock.cancelled++;
  };
  return { clock, now: () => clock.t, setTimer };
}

describe("deadline", () => {
  test("remaining counts down with the clock and the timer aborts with a deadline reason", () => {
    const { clock, now, setTimer } = fakeClock();
    const d = deadline(500, undefined, { now, setTimer });
    expect(d.remaining()).toBe(500);
    clock.t += 200;
    expect(d.remaining()).toBe(300);
    expect(d.signal.aborted).toBe(false);
    clock.fire[0]();
    expect(d.signal.aborted).toBe(true);
    expect(d.remaining()).toBe(0);
    expect(classifyFetchError(d.signal.reason).kind).toBe("deadline");
  });

  test("parent abort propagates with the parent's reason", () => {
    const { now, setTimer, clock } = fakeClock();
    const parent = new AbortController();
    const d = deadline(500, parent.signal, { now, setTimer });
    parent.abort();
    expect(d.signal.aborted).toBe(true);
    expect(classifyFetchError(d.signal.reason).kind).toBe("aborted");
    expect(d.remaining()).toBe(0);
    // The timer was cancelled once the signal aborted.
    expect(clock.cancelled).toBe(1);
  });

  test("an already-aborted parent or a non-positive budget aborts at once", () => {
    const parent = new AbortController();
    parent.abort();
    expect(deadline(500, parent.signal).signal.aborted).toBe(true);
    const zero = deadline(0);
    expect(zero.signal.aborted).toBe(true);
    expect(classifyFetchError(zero.signal.reason).kind).toBe("deadline");
  });

  test("dispose cancels the timer and detaches from the parent", () => {
    const { now, setTimer, clock } = fakeClock();
    const parent = new AbortController();
    const d = deadline(500, parent.signal, { now, setTimer });
    d.dispose();
    d.dispose();
    expect(clock.cancelled).toBe(1);
    parent.abort();
    expect(d.signal.aborted).toBe(false);
  });

  test("Infinity sets no timer and never runs out", () => {
    const { now, setTimer, clock } = fakeClock();
    const d = deadline(Infinity, undefined, { now, setTimer });
    expect(clock.fire.length).toBe(0);
    expect(d.remaining()).toBe(Infinity);
  });

  test("a real short timer aborts", async () => {
    const d = deadline(2);
    await new Promise((resolve) => d.signal.addEventListener("abort", resolve, { once: true }));
    expect(d.signal.aborted).toBe(true);
  });
});

describe("lazyDeadline", () => {
  test("builds no timer until its signal is read, then behaves like deadline()", () => {
    const { now, setTimer, clock } = fakeClock();
    const parent = new AbortController();
    const d = lazyDeadline(500, parent.signal, { now, setTimer });
    expect(clock.fire.length).toBe(0);
    expect(d.remaining()).toBe(500);
    expect(d.signal.aborted).toBe(false);
    expect(clock.fire.length).toBe(1);
    parent.abort();
    expect(d.signal.aborted).toBe(true);
    expect(d.remaining()).toBe(0);
  });

  test("reports a parent abort even before its signal exists; dispose detaches", () => {
    const parent = new AbortController();
    const d = lazyDeadline(500, parent.signal);
    parent.abort();
    expect(d.remaining()).toBe(0);
    const e = lazyDeadline(500, new AbortController().signal);
    e.dispose();
    expect(e.signal.aborted).toBe(false);
  });
});

describe("deadline: a budget is a duration", () => {
  test("measured on the step-free clock when there is one: a wall clock stepped forward an hour takes nothing off it", () => {
    const { clock, now: elapsed, setTimer } = fakeClock();
    let wall = 1_700_000_000_000;
    const c = { now: () => wall, elapsed, setTimer };
    const make = [() => deadline(500, undefined, c), () => lazyDeadline(500, new AbortController().signal, c)];
    for (const m of make) {
      const d = m();
      wall += 3_600_000;
      clock.t += 100;
      expect(d.remaining()).toBe(400);
      d.dispose();
    }
  });
});
