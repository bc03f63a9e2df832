import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { CloudBudget } from "../../../src/auth/budget.ts";
import { costUsd, priceOf } from "../../../src/auth/prices.ts";
import { migrate } from "../../../src/db/migrations.ts";
import { redisConnection } from "../../../src/db/redis-connection.ts";
import { startRedis } from "../../helpers/redis.ts";
import type { UpstreamConfig } from "../../../src/config/resolve.ts";

const up = (o: Partial<UpstreamConfig>) => ({ tier: "cloud", priceInput: null, priceOutput: null, ...o }) as UpstreamConfig;

test("prices: configured first, else the longest known prefix, local is free, unknown is unpriced", () => {
  expect(priceOf(up({ priceInput: 1, priceOutput: 2 }), "gpt-4o")).toEqual({ input: 1, output: 2 });
  expect(priceOf(up({}), "gpt-4o-mini-2024-07-18")).toEqual({ input: 0.15, output: 0.6 });
  expect(priceOf(up({}), "openai/gpt-4o")).toEqual({ input: 2.5, output: 10 });
  expect(priceOf(up({ tier: "local" }), "gpt-4o")).toEqual({ input: 0, output: 0 });
  expect(priceOf(up({}), "some-new-model")).toBeNull();
  expect(costUsd({ input: 2.5, output: 10 }, { input: 1_000_000, output: 100_000 })).toBeCloseTo(3.5);
});

test("spend per UTC day and key; budgets say which one is spent and when it resets", () => {
  const db = new Database(":memory:");
  migrate(db);
  let t = Date.UTC(2026, 11, 1, 23, 0, 0);
  const b = new CloudBudget(db, () => t);
  b.add("kid", 0.4);
  b.add("", 0.3);
  expect(b.spentToday("kid")).toBeCloseTo(0.4);
  expect(b.spentToday()).toBeCloseTo(0.7);
  const key = { name: "kid", dailyBudgetUsd: 0.4 };
  expect(b.exceeded({ cloudDailyUsd: null, cloudMonthlyUsd: null }, key)?.code).toBe("budget_exceeded");
  expect(b.exceeded({ cloudDailyUsd: null, cloudMonthlyUsd: null }, { name: "other", dailyBudgetUsd: 0.4 })).toBeNull();
  const daily = b.exceeded({ cloudDailyUsd: 0.5, cloudMonthlyUsd: null }, null)!;
  expect(daily.message).toContain("2026-12-02T00:00:00.000Z");
  expect(daily.headers?.["retry-after"]).toBe("3600");
  // The next UTC day starts afresh; the month still counts.
  t = Date.UTC(2026, 11, 2, 1, 0, 0);
  expect(b.exceeded({ cloudDailyUsd: 0.5, cloudMonthlyUsd: null }, key)).toBeNull();
  expect(b.exceeded({ cloudDailyUsd: null, cloudMonthlyUsd: 0.7 }, null)?.message).toContain("monthly");
});

test("with a shared Redis, each instance's spend counts for all of them; Redis down, each goes by its own SQLite", async () => {
  const redis = await startRedis();
  try {
    const t = Date.UTC(2026, 11, 1, 12, 0, 0);
    const open = () => {
      const db = new Database(":memory:");
      migrate(db);
      return db;
    };
    const downs: unknown[] = [];
    const conn = redisConnection(redis.url, 250);
    const a = new CloudBudget(open(), () => t, { redis: conn });
    const b = new CloudBudget(open(), () => t, { redis: redisConnection(redis.url, 250), onDown: (e) => downs.push(e) });
    a.add("kid", 0.3);
    b.add("kid", 0.2);
    b.add("", 0.1);
    // The shared counters are written off the response path: wait (bounded) for them.
    for (let i = 0; i < 40 && Number(await conn.cmd("GET", ["wayfront:spend:2026-12-01"])) < 0.6 - 1e-9; i++) await Bun.sleep(10);
    // No Redis TTL (a full Redis under volatile-lru evicts only keys with one); the totals are
    // listed with the time after which a later add drops them.
    expect(Number(await conn.cmd("PTTL", ["wayfront:spend:2026-12-01"]))).toBe(-1);
    expect(Number(await conn.cmd("ZSCORE", ["wayfront:spend:periods", "wayfront:spend:2026-12-01"]))).toBe(Date.UTC(2026, 11, 2) + 35 * 86_400_000);
    expect(Number(await conn.cmd("ZSCORE", ["wayfront:spend:periods", "wayfront:spend:2026-12"]))).toBe(Date.UTC(2027, 0, 1) + 62 * 86_400_000);
    await a.refresh("kid");
    expect(a.spentToday("kid")).toBeCloseTo(0.5);
    expect(a.spentToday()).toBeCloseTo(0.6);
    expect(a.spentThisMonth()).toBeCloseTo(0.6);
    expect(a.exceeded({ cloudDailyUsd: null, cloudMonthlyUsd: null }, { name: "kid", dailyBudgetUsd: 0.5 })?.code).toBe("budget_exceeded");
    redis.proc.kill("SIGKILL");
    await redis.proc.exited;
    await b.refresh("kid");
    expect(b.spentToday("kid")).toBeCloseTo(0.2);
    expect(b.spentToday()).toBeCloseTo(0.3);
    await b.refresh("kid");
    expect(downs.length).toBe(1);
  } finally {
    redis.proc.kill();
  }
});

test("with a shared Redis, old totals are dropped by a later add: a day 35 days after it ends, a month 62", async () => {
  const redis = await startRedis();
  try {
    const db = new Database(":memory:");
    migrate(db);
    let t = Date.UTC(2026, 11, 1, 12, 0, 0);
    const conn = redisConnection(redis.url, 250);
    const b = new CloudBudget(db, () => t, { redis: conn });
    const settled = async (name: string, usd: number) => {
      for (let i = 0; i < 40 && Math.abs(Number(await conn.cmd("GET", [name])) - usd) > 1e-9; i++) await Bun.sleep(10);
    };
    b.add("kid", 0.25);
    await settled("wayfront:spend:2026-12-01", 0.25);
    expect(await conn.cmd("HGET", ["wayfront:spend:2026-12-01:keys", "kid"])).toBe("0.25");
    // 35 days after Dec 1 ended, to the millisecond: still kept.
    t = Date.UTC(2026, 11, 2) + 35 * 86_400_000;
    b.add("kid", 0.5);
    await settled("wayfront:spend:2027-01-06", 0.5);
    expect(await conn.cmd("EXISTS", ["wayfront:spend:2026-12-01"])).toBe(1);
    t += 1;
    b.add("other", 0.125);
    await settled("wayfront:spend:2027-01-06", 0.625);
    expect(await conn.cmd("EXISTS", ["wayfront:spend:2026-12-01", "wayfront:spend:2026-12-01:keys"])).toBe(0);
    expect(await conn.cmd("ZSCORE", ["wayfront:spend:periods", "wayfront:spend:2026-12-01"])).toBeNull();
    // The month is kept longer, and the new day's per-key totals are where a refresh reads them.
    expect(await conn.cmd("GET", ["wayfront:spend:2026-12"])).toBe("0.25");
    await b.refresh("other");
    expect(b.spentToday("other")).toBeCloseTo(0.125);
    expect(b.spentToday()).toBeCloseTo(0.625);
    expect(b.spentThisMonth()).toBeCloseTo(0.625);
  } finally {
    redis.proc.kill();
  }
});

test("spend the data file will not take (read-only, full) still counts, is said once, and is written once it can be", () => {
  const db = new Database(":memory:");
  migrate(db);
  const t = Date.UTC(2026, 11, 1, 12, 0, 0);
  const told: string[] = [];
  const b = new CloudBudget(db, () => t, null, {
    onUnsaved: (e) => told.push(`unsaved: ${(e as Error).message}`),
    onSaved: () => told.push("saved"),
  });
  b.add("kid", 0.2);
  // Writes now fail for real, as on a card the kernel remounted read-only.
  db.exec("PRAGMA query_only = ON");
  b.add("kid", 0.3);
  b.add("", 0.1);
  // The budget holds through it: what could not be written is counted all the same.
  expect(b.spentToday("kid")).toBeCloseTo(0.5);
  expect(b.spentToday()).toBeCloseTo(0.6);
  expect(b.spentThisMonth()).toBeCloseTo(0.6);
  expect(b.exceeded({ cloudDailyUsd: null, cloudMonthlyUsd: null }, { name: "kid", dailyBudgetUsd: 0.5 })?.code).toBe("budget_exceeded");
  const onFile = () => (db.query("SELECT coalesce(sum(usd), 0) AS s FROM cloud_spend").get() as { s: number }).s;
  expect(onFile()).toBeCloseTo(0.2);
  db.exec("PRAGMA query_only = OFF");
  b.add("kid", 0.05);
  expect(onFile()).toBeCloseTo(0.65);
  expect(b.spentToday()).toBeCloseTo(0.65);
  expect(told).toHaveLength(2);
  expect(told[0]).toMatch(/^unsaved: .*readonly/i);
  expect(told[1]).toBe("saved");
});
