// Per-key rate limits: requests per minute and tokens per minute, as a fixed one-minute
// window per key (what OpenAI's x-ratelimit-* headers describe: a limit, what remains, when
// it resets). Tokens are estimated at admission from the prompt and corrected by the usage
// the upstream reports when the answer ends. Counted in this process, or (SharedRateLimits)
// in Redis for every instance sharing it, falling back to this process while Redis is down.
import type { ClientKey } from "./key.ts";
import { GatewayError } from "../protocol/errors.ts";
import type { RedisCommands } from "../db/redis-connection.ts";

const WINDOW_MS = 60_000;

interface Window {
  start: number;
  requests: number;
  tokens: number;
}

export interface Charge {
  /** The answer's real token count, once known (corrects the estimate). */
  settle(actualTokens: number | null): void;
  /** x-ratelimit-* headers for this request's answer. */
  headers: Record<string, string>;
}

/** What the admit stage asks: the local counter answers at once, the shared one after Redis. */
export interface Limiter {
  admit(key: ClientKey, estimate: number): Charge | Promise<Charge>;
}

export class RateLimits implements Limiter {
  private readonly windows = new Map<string, Window>();

  // Windows are durations: on the wall clock, one stepped back (upstream/clock.ts says when)
  // would keep a limited key refused for as long as the step.
  constructor(private readonly now: () => number = () => performance.now()) {}

  private window(name: string): Window {
    const t = this.now();
    let w = this.windows.get(name);
    if (!w || t - w.start >= WINDOW_MS) {
      w = { start: t, requests: 0, tokens: 0 };
      this.windows.set(name, w);
    }
    return w;
  }

  /** Admit one request of about `estimate` tokens, or throw a 429 saying which limit and when it resets. */
  admit(key: ClientKey, estimate: number): Charge {
    const w = this.window(key.name);
    const resetMs = Math.max(0, w.start + WINDOW_MS - this.now());
    if (key.rpm !== null && w.requests + 1 > key.rpm) throw limited("requests", key.rpm, resetMs);
    if (key.tpm !== null && w.tokens + estimate > key.tpm && w.tokens > 0) throw limited("tokens", key.tpm, resetMs);
    w.requests++;
    w.tokens += estimate;
    let settled = false;
    return {
      headers: limitHeaders(key, w.requests, w.tokens, resetMs),
      settle: (actual) => {
        if (settled || actual === null) return;
        settled = true;
        // Only the window the estimate went into is corrected.
        if (this.windows.get(key.name) === w) w.tokens = Math.max(0, w.tokens - estimate + actual);
      },
    };
  }
}

// One window per key in a Redis hash (r: requests, t: tokens, id: which window), expiring when
// the window ends; checked and counted in one script, so instances never race past a limit.
// KEYS[1] the key's hash; ARGV: window ms, rpm (-1: none), tpm (-1: none), estimate, a new window's id.
const ADMIT = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'r', 0, 't', 0, 'id', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local r = tonumber(redis.call('HGET', KEYS[1], 'r'))
local t = tonumber(redis.call('HGET', KEYS[1], 't'))
local rpm, tpm, est = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if rpm >= 0 and r + 1 > rpm then return {0, 'requests', ttl} end
if tpm >= 0 and t + est > tpm and t > 0 then return {0, 'tokens', ttl} end
r = redis.call('HINCRBY', KEYS[1], 'r', 1)
t = redis.call('HINCRBY', KEYS[1], 't', est)
return {1, redis.call('HGET', KEYS[1], 'id'), ttl, r, t}
`;
// The real token count corrects the window the estimate went into, if it is still the current one.
const SETTLE = `
if redis.call('HGET', KEYS[1], 'id') == ARGV[1] then
  if redis.call('HINCRBY', KEYS[1], 't', ARGV[2]) < 0 then redis.call('HSET', KEYS[1], 't', 0) end
end
return 0
`;

/** Reports a Redis outage once when it starts (and once when it is over), not per request. */
export function outageNotice(onDown: (err: unknown) => void, onUp: () => void = () => {}) {
  let down = false;
  return {
    failed(err: unknown) {
      if (!down) onDown(err);
      down = true;
    },
    ok() {
      if (down) onUp();
      down = false;
    },
  };
}

/**
 * Rate limits every instance on one Redis shares. Redis down or slow (its connection's
 * deadline): this process counts on its own until Redis answers again, never no limit at all.
 */
export class SharedRateLimits implements Limiter {
  private readonly outage: ReturnType<typeof outageNotice>;

  constructor(
    private readonly redis: RedisCommands,
    private readonly local: RateLimits = new RateLimits(),
    opts: { onDown?: (err: unknown) => void; onUp?: () => void } = {},
  ) {
    this.outage = outageNotice(opts.onDown ?? (() => {}), opts.onUp);
  }

  async admit(key: ClientKey, estimate: number): Promise<Charge> {
    const hash = `wayfront:rl:${key.name}`;
    const est = Math.max(0, Math.round(estimate));
    let reply: [number, string, number, number?, number?];
    try {
      reply = await this.redis.cmd("EVAL", [
        ADMIT,
        "1",
        hash,
        String(WINDOW_MS),
        String(key.rpm ?? -1),
        String(key.tpm ?? -1),
        String(est),
        crypto.randomUUID(),
      ]);
      this.outage.ok();
    } catch (err) {
      this.outage.failed(err);
      return this.local.admit(key, estimate);
    }
    const [ok, what, ttl] = reply;
    if (!ok) {
      const limit = what === "requests" ? key.rpm : key.tpm;
      throw limited(what as "requests" | "tokens", limit ?? 0, Number(ttl));
    }
    const id = what;
    let settled = false;
    return {
      headers: limitHeaders(key, Number(reply[3]), Number(reply[4]), Number(ttl)),
      settle: (actual) => {
        if (settled || actual === null) return;
        settled = true;
        const delta = Math.round(actual) - est;
        if (delta !== 0) this.redis.cmd("EVAL", [SETTLE, "1", hash, id, String(delta)]).catch((err) => this.outage.failed(err));
      },
    };
  }
}

function limitHeaders(key: ClientKey, requests: number, tokens: number, resetMs: number): Record<string, string> {
  const reset = `${Math.ceil(Math.max(0, resetMs) / 1000)}s`;
  const headers: Record<string, string> = {};
  if (key.rpm !== null) {
    headers["x-ratelimit-limit-requests"] = String(key.rpm);
    headers["x-ratelimit-remaining-requests"] = String(Math.max(0, key.rpm - requests));
    headers["x-ratelimit-reset-requests"] = reset;
  }
  if (key.tpm !== null) {
    headers["x-ratelimit-limit-tokens"] = String(key.tpm);
    headers["x-ratelimit-remaining-tokens"] = String(Math.max(0, key.tpm - tokens));
    headers["x-ratelimit-reset-tokens"] = reset;
  }
  return headers;
}

function limited(what: "requests" | "tokens", limit: number, resetMs: number): GatewayError {
  const seconds = Math.max(1, Math.ceil(resetMs / 1000));
  return new GatewayError("rate_limited", `This client key's limit of ${limit} ${what} per minute is used up; it resets in ${seconds} s.`, {
    code: `rate_limit_${what}`,
    headers: {
      "retry-after": String(seconds),
      [`x-ratelimit-limit-${what}`]: String(limit),
      [`x-ratelimit-remaining-${what}`]: "0",
      [`x-ratelimit-reset-${what}`]: `${seconds}s`,
    },
  });
}
