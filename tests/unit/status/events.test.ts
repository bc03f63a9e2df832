// The event log: each event one log line and one ring entry, newest first, bounded; latches
// for transitions noticed again and again; secrets scrubbed; and the circuit breaker's changes
// folded per outage (driven by a fake clock).
import { expect, test } from "bun:test";
import { EventLog } from "../../../src/status/events.ts";
import { Logger } from "../../../src/status/log.ts";
import { Breaker } from "../../../src/upstream/breaker.ts";
import { circuitEvents } from "../../../src/upstream/health-events.ts";
import { watchBudget } from "../../../src/auth/budget-watch.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

function logged() {
  const lines: string[] = [];
  const events = new EventLog(new Logger("info", false, (l) => lines.push(l)), 5);
  return { lines, events, parsed: () => lines.map((l) => JSON.parse(l)) };
}

test("emit writes one JSON line with msg and event type, and keeps it, newest first, bounded", () => {
  const { events, parsed } = logged();
  for (let i = 0; i < 7; i++) events.emit({ type: "circuit_half_open", upstream: `u${i}` });
  expect(parsed()).toHaveLength(7);
  expect(parsed()[0]).toMatchObject({ level: "info", msg: "circuit half-open", event: "circuit_half_open", upstream: "u0" });
  expect(parsed()[0].type).toBeUndefined();
  const recent = events.recent();
  expect(recent.map((e) => (e as { upstream: string }).upstream)).toEqual(["u6", "u5", "u4", "u3", "u2"]);
  expect(recent[0]).toMatchObject({ type: "circuit_half_open", level: "info", msg: "circuit half-open" });
});

test("once emits until cleared; clear re-arms", () => {
  const { events, lines } = logged();
  const make = () => ({ type: "upstream_busy", upstream: "gpu", route: "coder", policy: "overflow", in_flight: 1, queued: 0 }) as const;
  expect(events.once("busy:gpu", make)).toBe(true);
  expect(events.once("busy:gpu", make)).toBe(false);
  expect(lines).toHaveLength(1);
  expect(events.clear("busy:gpu")).toBe(true);
  expect(events.once("busy:gpu", make)).toBe(true);
  expect(lines).toHaveLength(2);
});

test("no URL credentials or key-shaped strings reach a line or the ring", () => {
  const { events, lines } = logged();
  events.emit({ type: "cache_down", backend: "redis", reason: "redis://user:sk-abcdef123456@10.0.0.1:6379 refused; Bearer wf-secret-token" });
  const all = lines.join("\n") + JSON.stringify(events.recent());
  expect(all).not.toContain("sk-abcdef123456");
  expect(all).not.toContain("wf-secret-token");
  expect(all).toContain("refused");
});

test("a circuit's outage is open once, half-open once, closed once, however many trials fail", async () => {
  const clock = new FakeClock();
  const { events, parsed } = logged();
  const b = new Breaker({ failureThreshold: 2, cooldownMs: 1000, now: clock.now, onChange: circuitEvents("gpu", events) });
  b.onFailure();
  expect(parsed()).toHaveLength(0);
  b.onFailure();
  expect(parsed().map((l) => l.event)).toEqual(["circuit_open"]);
  expect(parsed()[0]).toMatchObject({ upstream: "gpu", reason: "2 consecutive failures", retry_in_s: 1 });
  for (let i = 0; i < 3; i++) {
    await clock.advance(1000);
    expect(b.state()).toBe("half-open");
    b.onFailure(); // the trial fails: open again, folded
  }
  await clock.advance(1000);
  b.state();
  b.onSuccess();
  expect(parsed().map((l) => l.event)).toEqual(["circuit_open", "circuit_half_open", "circuit_closed"]);
  expect(parsed()[2].failed_trials).toBe(3);
});

test("a Retry-After cool-down opens and closes the circuit with its reason", async () => {
  const clock = new FakeClock();
  const { events, parsed } = logged();
  const b = new Breaker({ failureThreshold: 5, cooldownMs: 1000, now: clock.now, onChange: circuitEvents("cloud", events) });
  b.coolDown(3000);
  expect(parsed()[0]).toMatchObject({ event: "circuit_open", reason: "the upstream asked to wait 3 s (Retry-After)", retry_in_s: 3 });
  await clock.advance(3000);
  expect(b.state()).toBe("closed");
  expect(parsed().map((l) => l.event)).toEqual(["circuit_open", "circuit_closed"]);
});

test("budgets: 80 % and 100 % once each per period; a new day arms them again", () => {
  const { events, parsed } = logged();
  let spent = 0;
  const spend = { spentToday: () => spent, spentThisMonth: () => spent };
  const limits = { cloudDailyUsd: 1, cloudMonthlyUsd: null };
  const check = (now: number) => watchBudget({ events, spend, limits, key: null, now });
  const day1 = Date.UTC(2025, 0, 1, 12);
  spent = 0.5;
  check(day1);
  expect(parsed()).toHaveLength(0);
  spent = 0.85;
  check(day1);
  check(day1);
  expect(parsed().map((l) => l.percent)).toEqual([80]);
  spent = 1.2;
  check(day1);
  expect(parsed().map((l) => l.percent)).toEqual([80, 100]);
  expect(parsed()[1]).toMatchObject({ budget: "cloud_daily_usd", spent_usd: 1.2, limit_usd: 1, key: null });
  check(day1 + 86_400_000);
  expect(parsed().map((l) => l.percent)).toEqual([80, 100, 80, 100]);
});

test("a key's own daily budget is watched under its name", () => {
  const { events, parsed } = logged();
  const spend = { spentToday: (k?: string) => (k === "kid" ? 0.9 : 0), spentThisMonth: () => 0 };
  watchBudget({ events, spend, limits: { cloudDailyUsd: null, cloudMonthlyUsd: null }, key: { name: "kid", dailyBudgetUsd: 1 } });
  expect(parsed()).toHaveLength(1);
  expect(parsed()[0]).toMatchObject({ budget: "key_daily_usd", key: "kid", percent: 80 });
});
