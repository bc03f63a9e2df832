// The bounded stores behind the status page: the ring, the percentile reservoir, the per-minute
// window and the traffic figures, driven by a fake clock (no waits).
import { expect, test } from "bun:test";
import { Ring } from "../../../src/status/ring.ts";
import { Reservoir } from "../../../src/status/reservoir.ts";
import { MinuteRing } from "../../../src/status/minutes.ts";
import { Traffic, type RequestRecord } from "../../../src/status/traffic.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

test("a ring keeps the newest values, newest first, and never more than its capacity", () => {
  const r = new Ring<number>(3);
  expect(r.newestFirst()).toEqual([]);
  for (let i = 1; i <= 5; i++) r.push(i);
  expect(r.size).toBe(3);
  expect(r.newestFirst()).toEqual([5, 4, 3]);
  expect(r.newestFirst(2)).toEqual([5, 4]);
});

test("percentiles are nearest-rank over the last samples only", () => {
  const s = new Reservoir(100);
  expect(s.percentile(50)).toBeNull();
  for (let i = 1; i <= 100; i++) s.add(i);
  expect(s.percentile(50)).toBe(50);
  expect(s.percentile(95)).toBe(95);
  expect(s.percentile(100)).toBe(100);
  // 100 more, all 1000: the old samples are gone from the window.
  for (let i = 0; i < 100; i++) s.add(1000);
  expect(s.percentile(50)).toBe(1000);
  expect(s.size).toBe(100);
  s.add(Number.NaN);
  expect(s.size).toBe(100);
});

test("the minute window is 60 buckets; a minute from an hour ago is forgotten", async () => {
  const clock = new FakeClock(60_000 * 1000);
  const m = new MinuteRing(clock.now);
  m.current().ok += 2;
  await clock.advance(60_000);
  m.current().error += 1;
  const series = m.series();
  expect(series).toHaveLength(60);
  expect(series.at(-1)!.c.error).toBe(1);
  expect(series.at(-2)!.c.ok).toBe(2);
  expect(m.total()).toMatchObject({ ok: 2, error: 1 });
  await clock.advance(59 * 60_000);
  expect(m.total()).toMatchObject({ ok: 0, error: 1 }); // the first minute left the window
  m.current().ok += 1; // reuses the first minute's bucket: starts from zero
  expect(m.total()).toMatchObject({ ok: 1, error: 1 });
});

const rec = (o: Partial<RequestRecord>): RequestRecord => ({
  at: 0,
  key: "laptop",
  model: "coder",
  upstream: "gpu",
  source: "local",
  status: 200,
  outcome: "ok",
  cache: "MISS",
  ttftMs: 100,
  ms: 1100,
  tokensIn: 10,
  tokensOut: 51,
  avoidedUsd: 0,
  savedTokens: 0,
  ...o,
});

test("traffic counts every request by outcome and source, today and for the last hour", async () => {
  const clock = new FakeClock(Date.UTC(2025, 0, 1, 23, 59));
  const t = new Traffic(clock.now);
  t.record(rec({}));
  t.record(rec({ source: "cache", upstream: null, cache: "HIT", ttftMs: null, avoidedUsd: 0.5, savedTokens: 61 }));
  t.record(rec({ source: null, status: 502, outcome: "error", ttftMs: null }));
  t.record(rec({ source: "cloud", upstream: "cloud", outcome: "cancelled" }));
  const s = t.snapshot();
  expect(s.today).toMatchObject({
    requests: 4,
    ok: 2,
    error: 1,
    cancelled: 1,
    local: 1,
    cloud: 1,
    cache: 1,
    cache_tokens_saved: 61,
    cache_spend_avoided_usd: 0.5,
  });
  expect(s.last_hour).toMatchObject({ requests: 4, local: 1, cloud: 1, cache: 1 });
  expect(s.recent.map((r) => r.outcome)).toEqual(["cancelled", "error", "ok", "ok"]);
  expect(s.latency.gpu).toMatchObject({ ttft_p50_ms: 100, tokens_per_s_p50: 51 });
  expect(s.minutes.at(-1)).toMatchObject({ requests: 4, errors: 1, ttft_avg_ms: 100 });
  await clock.advance(2 * 60_000); // past midnight UTC: a new day
  expect(t.snapshot().today.requests).toBe(0);
  expect(t.snapshot().since_start.requests).toBe(4);
  expect(t.snapshot().last_hour.requests).toBe(4);
});

test("the recent list holds the last 50 requests only", () => {
  const t = new Traffic();
  for (let i = 0; i < 70; i++) t.record(rec({ ms: i }));
  const recent = t.snapshot().recent;
  expect(recent).toHaveLength(50);
  expect(recent[0].ms).toBe(69);
});
