import { describe, expect, test } from "bun:test";
import { Breaker } from "../../../src/upstream/breaker.ts";

function setup(threshold = 3, cooldownMs = 1000) {
  const clock = { t: 1_000_000 };
  const b = new Breaker({ failureThreshold: threshold, cooldownMs, now: () => clock.t });
  return { b, clock };
}

describe("Breaker", () => {
  test("stays closed below the threshold and opens at it", () => {
    const { b } = setup(3);
    b.onFailure();
    b.onFailure();
    expect(b.state()).toBe("closed");
    expect(b.canAttempt()).toBe(true);
    b.onFailure();
    expect(b.state()).toBe("open");
    expect(b.canAttempt()).toBe(false);
    expect(b.snapshot()).toMatchObject({ state: "open", consecutiveFailures: 3, opens: 1, openUntil: 1_001_000 });
  });

  test("a success resets the consecutive count", () => {
    const { b } = setup(2);
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    expect(b.state()).toBe("closed");
    b.onFailure();
    expect(b.state()).toBe("open");
  });

  test("open refuses until the cooldown, then half-open admits exactly one trial", () => {
    const { b, clock } = setup(1, 1000);
    b.onFailure();
    clock.t += 999;
    expect(b.canAttempt()).toBe(false);
    clock.t += 1;
    expect(b.state()).toBe("half-open");
    expect(b.canAttempt()).toBe(true);
    expect(b.canAttempt()).toBe(false);
    expect(b.canAttempt()).toBe(false);
    expect(b.snapshot().trialInFlight).toBe(true);
  });

  test("a successful trial closes", () => {
    const { b, clock } = setup(1, 1000);
    b.onFailure();
    clock.t += 1000;
    expect(b.canAttempt()).toBe(true);
    b.onSuccess();
    expect(b.state()).toBe("closed");
    expect(b.canAttempt()).toBe(true);
    expect(b.canAttempt()).toBe(true);
  });

  test("a failed trial re-opens for another cooldown", () => {
    const { b, clock } = setup(1, 1000);
    b.onFailure();
    clock.t += 1000;
    expect(b.canAttempt()).toBe(true);
    b.onFailure();
    expect(b.state()).toBe("open");
    expect(b.snapshot().opens).toBe(2);
    clock.t += 999;
    expect(b.canAttempt()).toBe(false);
    clock.t += 1;
    expect(b.canAttempt()).toBe(true);
  });

  test("a late failure while open does not extend the cooldown", () => {
    const { b, clock } = setup(1, 1000);
    b.onFailure();
    clock.t += 500;
    b.onFailure();
    clock.t += 500;
    expect(b.state()).toBe("half-open");
  });

  test("an abandoned trial frees the slot for another trial", () => {
    const { b, clock } = setup(1, 1000);
    b.onFailure();
    clock.t += 1000;
    expect(b.canAttempt()).toBe(true);
    expect(b.canAttempt()).toBe(false);
    b.onAbandon();
    expect(b.state()).toBe("half-open");
    expect(b.canAttempt()).toBe(true);
  });

  test("a trial that never reports is presumed lost after trialTimeoutMs", () => {
    const clock = { t: 0 };
    const b = new Breaker({ failureThreshold: 1, cooldownMs: 10, trialTimeoutMs: 100, now: () => clock.t });
    b.onFailure();
    clock.t = 10;
    expect(b.canAttempt()).toBe(true);
    clock.t = 109;
    expect(b.canAttempt()).toBe(false);
    clock.t = 110;
    expect(b.canAttempt()).toBe(true);
  });

  test("coolDown blocks attempts without counting failures, then returns to closed", () => {
    const { b, clock } = setup(2, 1000);
    b.onFailure();
    b.coolDown(5000);
    expect(b.state()).toBe("open");
    expect(b.canAttempt()).toBe(false);
    expect(b.snapshot()).toMatchObject({ consecutiveFailures: 1, coolDownUntil: clock.t + 5000, openUntil: null, opens: 0 });
    clock.t += 5000;
    expect(b.state()).toBe("closed");
    expect(b.canAttempt()).toBe(true);
    // The failure count survived the cool-down: one more failure opens.
    b.onFailure();
    expect(b.state()).toBe("open");
  });

  test("coolDown never shortens an existing cool-down and ignores non-positive values", () => {
    const { b, clock } = setup();
    b.coolDown(5000);
    b.coolDown(1000);
    b.coolDown(0);
    b.coolDown(-5);
    clock.t += 4999;
    expect(b.canAttempt()).toBe(false);
    clock.t += 1;
    expect(b.canAttempt()).toBe(true);
  });

  test("coolDown holds a half-open breaker shut until it expires", () => {
    const { b, clock } = setup(1, 1000);
    b.onFailure();
    b.coolDown(3000);
    clock.t += 1000;
    expect(b.canAttempt()).toBe(false);
    clock.t += 2000;
    expect(b.state()).toBe("half-open");
    expect(b.canAttempt()).toBe(true);
  });

  test("threshold 0 disables opening; works with a clock starting at 0", () => {
    const never = new Breaker({ failureThreshold: 0, cooldownMs: 1000, now: () => 0 });
    for (let i = 0; i < 10; i++) never.onFailure();
    expect(never.state()).toBe("closed");
    const zero = new Breaker({ failureThreshold: 1, cooldownMs: 0, now: () => 0 });
    zero.onFailure();
    expect(zero.state()).toBe("half-open");
    expect(zero.canAttempt()).toBe(true);
    expect(zero.canAttempt()).toBe(false);
  });

  test("snapshot is JSON-serialisable", () => {
    const { b } = setup();
    expect(JSON.parse(JSON.stringify(b.snapshot()))).toEqual({
      state: "closed",
      consecutiveFailures: 0,
      openUntil: null,
      coolDownUntil: null,
      trialInFlight: false,
      opens: 0,
    });
  });
});

describe("Breaker on its default clock", () => {
  test("cool-downs run on a step-free clock, and a snapshot still shows wall-clock times", () => {
    const b = new Breaker({ failureThreshold: 1, cooldownMs: 5_000 });
    b.onFailure();
    const snap = b.snapshot();
    expect(snap.state).toBe("open");
    // Not performance.now()'s small numbers: what /status.json shows as circuit_until.
    expect(snap.openUntil).toBeGreaterThan(Date.now() + 4_000);
    expect(snap.openUntil).toBeLessThan(Date.now() + 6_000);
  });
});
