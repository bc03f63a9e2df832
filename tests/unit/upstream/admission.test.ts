import { describe, expect, test } from "bun:test";
import { Admission, type Release, type SetTimer } from "../../../src/upstream/admission.ts";

// Timers that fire only when the test says so.
function fakeTimers() {
  const pending = new Set<{ fn: () => void; ms: number }>();
  const setTimer: SetTimer = (fn, ms) => {
    const t = { fn, ms };
    pending.add(t);
    return () => pending.delete(t);
  };
  const fireAll = () => {
    for (const t of [...pending]) {
      pending.delete(t);
      t.fn();
    }
  };
  return { setTimer, fireAll, pending };
}

// Resolution order of a set of promises, recorded as they settle.
function track(order: string[], name: string, p: Promise<Release | null>) {
  return p.then((r) => {
    order.push(`${name}:${r ? "slot" : "null"}`);
    return r;
  });
}

describe("Admission", () => {
  test("tryAcquire respects the limit and release is idempotent", () => {
    const a = new Admission({ maxConcurrency: 2 });
    const r1 = a.tryAcquire();
    const r2 = a.tryAcquire();
    expect(r1).not.toBeNull();
    expect(r2).not.toBeNull();
    expect(a.tryAcquire()).toBeNull();
    expect(a.outstanding()).toBe(2);
    r1!();
    r1!();
    r1!();
    expect(a.outstanding()).toBe(1);
    expect(a.tryAcquire()).not.toBeNull();
    expect(a.tryAcquire()).toBeNull();
  });

  test("maxConcurrency 0 is unlimited", async () => {
    const a = new Admission({ maxConcurrency: 0 });
    for (let i = 0; i < 1000; i++) expect(a.tryAcquire()).not.toBeNull();
    expect(await a.acquire({ policy: "overflow", maxQueueMs: 0 })).not.toBeNull();
    expect(a.outstanding()).toBe(1001);
  });

  test("overflow: null at once when full, slot when free", async () => {
    const a = new Admission({ maxConcurrency: 1 });
    const r = await a.acquire({ policy: "overflow", maxQueueMs: 1000 });
    expect(r).not.toBeNull();
    expect(await a.acquire({ policy: "overflow", maxQueueMs: 1000 })).toBeNull();
    expect(a.queued()).toBe(0);
    r!();
    expect(await a.acquire({ policy: "overflow", maxQueueMs: 1000 })).not.toBeNull();
  });

  test("a full line refuses at once, whatever the policy, and counts what it shed", async () => {
    const a = new Admission({ maxConcurrency: 1, maxQueue: 2 });
    const held = a.tryAcquire()!;
    const order: string[] = [];
    const waiting = ["w1", "w2"].map((n) => track(order, n, a.acquire({ policy: "queue", maxQueueMs: Infinity })));
    expect(a.full()).toBe(true);
    // The third waits for nothing: null now, without a timer, for "queue" and "wait" alike.
    expect(await a.acquire({ policy: "queue", maxQueueMs: Infinity })).toBeNull();
    expect(await a.acquire({ policy: "wait", maxQueueMs: 60_000 })).toBeNull();
    expect(a.shed).toBe(2);
    expect(a.queued()).toBe(2);
    held();
    (await waiting[0])!();
    (await waiting[1])!();
    expect(order).toEqual(["w1:slot", "w2:slot"]);
    expect(a.full()).toBe(false);
  });

  test("queue: waiters are served in arrival order as slots free", async () => {
    const a = new Admission({ maxConcurrency: 1 });
    const first = a.tryAcquire()!;
    const order: string[] = [];
    const ps = ["w1", "w2", "w3"].map((n) => track(order, n, a.acquire({ policy: "queue", maxQueueMs: Infinity })));
    expect(a.queued()).toBe(3);
    // A newcomer may not jump the line even if it tries at the moment a slot frees.
    first();
    expect(a.tryAcquire()).toBeNull();
    const r1 = await ps[0];
    expect(order).toEqual(["w1:slot"]);
    r1!();
    const r2 = await ps[1];
    r2!();
    const r3 = await ps[2];
    expect(order).toEqual(["w1:slot", "w2:slot", "w3:slot"]);
    expect(a.outstanding()).toBe(1);
    r3!();
    expect(a.outstanding()).toBe(0);
    expect(a.queued()).toBe(0);
  });

  test("many waiters and many slots: FIFO order under concurrency", async () => {
    const a = new Admission({ maxConcurrency: 3 });
    const held = [a.tryAcquire()!, a.tryAcquire()!, a.tryAcquire()!];
    const order: string[] = [];
    const names = Array.from({ length: 10 }, (_, i) => `w${i}`);
    const ps = names.map((n) => track(order, n, a.acquire({ policy: "queue", maxQueueMs: Infinity })));
    for (const r of held) r();
    // Each waiter releases as soon as it is served, which admits the next one.
    await Promise.all(ps.map((p) => p.then((r) => r!())));
    expect(order).toEqual(names.map((n) => `${n}:slot`));
    expect(a.outstanding()).toBe(0);
  });

  test("wait: times out to null, leaves the queue, and does not take a slot", async () => {
    const timers = fakeTimers();
    const a = new Admission({ maxConcurrency: 1 });
    const held = a.tryAcquire()!;
    const order: string[] = [];
    const p = track(order, "w", a.acquire({ policy: "wait", maxQueueMs: 50, setTimer: timers.setTimer }));
    expect([...timers.pending].map((t) => t.ms)).toEqual([50]);
    expect(a.queued()).toBe(1);
    timers.fireAll();
    expect(await p).toBeNull();
    expect(a.queued()).toBe(0);
    held();
    expect(a.outstanding()).toBe(0);
  });

  test("wait: served before the timeout cancels the timer", async () => {
    const timers = fakeTimers();
    const a = new Admission({ maxConcurrency: 1 });
    const held = a.tryAcquire()!;
    const p = a.acquire({ policy: "wait", maxQueueMs: 50, setTimer: timers.setTimer });
    held();
    const r = await p;
    expect(r).not.toBeNull();
    expect(timers.pending.size).toBe(0);
    r!();
    expect(a.outstanding()).toBe(0);
  });

  test("wait with a short real timer resolves null", async () => {
    const a = new Admission({ maxConcurrency: 1 });
    const held = a.tryAcquire()!;
    expect(await a.acquire({ policy: "wait", maxQueueMs: 2 })).toBeNull();
    held();
    expect(a.outstanding()).toBe(0);
  });

  test("an aborted waiter leaves at once and the slot goes to the next in line", async () => {
    const a = new Admission({ maxConcurrency: 1 });
    const held = a.tryAcquire()!;
    const order: string[] = [];
    const ctrl = new AbortController();
    const p1 = track(order, "w1", a.acquire({ policy: "queue", maxQueueMs: Infinity, signal: ctrl.signal }));
    const p2 = track(order, "w2", a.acquire({ policy: "queue", maxQueueMs: Infinity }));
    expect(a.queued()).toBe(2);
    ctrl.abort();
    expect(a.queued()).toBe(1);
    expect(await p1).toBeNull();
    held();
    const r2 = await p2;
    expect(order).toEqual(["w1:null", "w2:slot"]);
    r2!();
    // No slot leaked to the aborted waiter.
    expect(a.outstanding()).toBe(0);
    expect(a.tryAcquire()).not.toBeNull();
  });

  test("an already-aborted signal gets null without queueing", async () => {
    const a = new Admission({ maxConcurrency: 1 });
    const ctrl = new AbortController();
    ctrl.abort();
    expect(await a.acquire({ policy: "queue", maxQueueMs: Infinity, signal: ctrl.signal })).toBeNull();
    expect(a.outstanding()).toBe(0);
    expect(a.queued()).toBe(0);
  });

  test("queue bounded by maxQueueMs (the caller's deadline)", async () => {
    const timers = fakeTimers();
    const a = new Admission({ maxConcurrency: 1 });
    a.tryAcquire();
    const p = a.acquire({ policy: "queue", maxQueueMs: 1000, setTimer: timers.setTimer });
    timers.fireAll();
    expect(await p).toBeNull();
    expect(a.queued()).toBe(0);
  });

  test("releasing a handed-off slot twice frees only one slot", async () => {
    const a = new Admission({ maxConcurrency: 1 });
    const held = a.tryAcquire()!;
    const p = a.acquire({ policy: "queue", maxQueueMs: Infinity });
    held();
    held(); // must not free the slot the waiter now holds
    expect(a.tryAcquire()).toBeNull();
    const r = await p;
    r!();
    r!();
    expect(a.outstanding()).toBe(0);
  });
});
