import { expect, test } from "bun:test";
import { RateLimits } from "../../../src/auth/limits.ts";
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
