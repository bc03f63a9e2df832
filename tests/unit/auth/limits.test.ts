import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RateLimits, SharedRateLimits } from "../../../src/auth/limits.ts";
import { redisConnection } from "../../../src/db/redis-connection.ts";
import { startRedis, type TestRedis } from "../../helpers/redis.ts";
import type { ClientKey } from "../../../src/auth/key.ts";
import { GatewayError } from "../../../src/protocol/errors.ts";

const key = (rpm: number | null, tpm: number | null): ClientKey => ({
  name: "k",
  models: null,
  rpm,
  tpm,
  dailyBudgetUsd: null,
  admin: false,
  namespace: "key:k",
});

function refused(f: () => unknown): GatewayError {
  try {
    f();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

test("requests per minute: the limit, what remains, a 429 with Retry-After past it, a fresh window after a minute", () => {
  let t = 0;
  const l = new RateLimits(() => t);
  const k = key(2, null);
  expect(l.admit(k, 10).headers).toMatchObject({ "x-ratelimit-limit-requests": "2", "x-ratelimit-remaining-requests": "1" });
  expect(l.admit(k, 10).headers["x-ratelimit-remaining-requests"]).toBe("0");
  t = 15_000;
  const e = refused(() => l.admit(k, 10));
  expect(e.status).toBe(429);
  expect(e.code).toBe("rate_limit_requests");
  expect(e.headers?.["retry-after"]).toBe("45");
  t = 60_000;
  expect(l.admit(k, 10).headers["x-ratelimit-remaining-requests"]).toBe("1");
});

test("on its default clock, a wall clock stepped back an hour does not keep a limited key refused for an hour", () => {
  const real = Date.now;
  let step = 0;
  Date.now = () => real() + step; // before the limiter exists, so a default of Date.now would see the step
  try {
    const l = new RateLimits();
    const k = key(1, null);
    l.admit(k, 10);
    step = -3_600_000; // the clock set back (NTP, or a Pi's clock restored from its last shutdown)
    const e = refused(() => l.admit(k, 10));
    expect(Number(e.headers?.["retry-after"])).toBeLessThanOrEqual(60);
  } finally {
    Date.now = real;
  }
});

test("tokens per minute: estimated at admission, corrected by the real usage", () => {
  const l = new RateLimits(() => 0);
  const k = key(null, 1000);
  const first = l.admit(k, 600);
  expect(first.headers["x-ratelimit-remaining-tokens"]).toBe("400");
  // The answer was small: the window gets the difference back.
  first.settle(100);
  expect(l.admit(k, 600).headers["x-ratelimit-remaining-tokens"]).toBe("300");
  expect(refused(() => l.admit(k, 600)).code).toBe("rate_limit_tokens");
});

test("one oversized request is let through when the window is empty (it could never fit), not refused for ever", () => {
  const l = new RateLimits(() => 0);
  expect(l.admit(key(null, 100), 5000).headers["x-ratelimit-remaining-tokens"]).toBe("0");
});

describe("shared through Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.proc.kill());
  const k = (name: string, rpm: number | null, tpm: number | null): ClientKey => ({ ...key(rpm, tpm), name });
  const refusedAsync = async (p: Promise<unknown>): Promise<GatewayError> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof GatewayError) return e;
      throw e;
    }
    throw new Error("expected a refusal");
  };

  test("two instances on one Redis share a key's requests per minute", async () => {
    const a = new SharedRateLimits(redisConnection(redis.url, 250));
    const b = new SharedRateLimits(redisConnection(redis.url, 250));
    const kk = k(`rpm-${crypto.randomUUID()}`, 3, null);
    expect((await a.admit(kk, 1)).headers["x-ratelimit-remaining-requests"]).toBe("2");
    expect((await b.admit(kk, 1)).headers["x-ratelimit-remaining-requests"]).toBe("1");
    expect((await a.admit(kk, 1)).headers["x-ratelimit-remaining-requests"]).toBe("0");
    const e = await refusedAsync(b.admit(kk, 1));
    expect(e.code).toBe("rate_limit_requests");
    expect(Number(e.headers?.["retry-after"])).toBeGreaterThan(50);
  });

  test("tokens: the estimate is counted for both and corrected by the real usage", async () => {
    const a = new SharedRateLimits(redisConnection(redis.url, 250));
    const b = new SharedRateLimits(redisConnection(redis.url, 250));
    const kk = k(`tpm-${crypto.randomUUID()}`, null, 1000);
    const first = await a.admit(kk, 600);
    expect(first.headers["x-ratelimit-remaining-tokens"]).toBe("400");
    first.settle(100);
    for (let i = 0; i < 20; i++) {
      await Bun.sleep(10);
      const c = redisConnection(redis.url, 250);
      const t = await c.cmd("HGET", [`wayfront:rl:${kk.name}`, "t"]);
      c.close();
      if (t === "100") break;
    }
    expect((await b.admit(kk, 600)).headers["x-ratelimit-remaining-tokens"]).toBe("300");
    expect((await refusedAsync(a.admit(kk, 600))).code).toBe("rate_limit_tokens");
  });

  test("Redis unreachable: counted in this process (still limited), one notice per outage", async () => {
    const downs: unknown[] = [];
    const l = new SharedRateLimits(redisConnection("redis://127.0.0.1:1", 100), new RateLimits(), { onDown: (e) => downs.push(e) });
    const kk = k("offline", 2, null);
    expect((await l.admit(kk, 1)).headers["x-ratelimit-remaining-requests"]).toBe("1");
    expect((await l.admit(kk, 1)).headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect((await refusedAsync(l.admit(kk, 1))).code).toBe("rate_limit_requests");
    expect(downs.length).toBe(1);
  });
});
