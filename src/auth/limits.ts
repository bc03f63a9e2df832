// Per-key rate limits: requests per minute and tokens per minute, as a fixed one-minute
// window per key (what OpenAI's x-ratelimit-* headers describe: a limit, what remains, when
// it resets). Tokens are estimated at admission from the prompt and corrected by the usage
// the upstream reports when the answer ends. Counted in this process.
import type { ClientKey } from "./key.ts";
import { GatewayError } from "../protocol/errors.ts";

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

export class RateLimits {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

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
    const reset = `${Math.ceil(resetMs / 1000)}s`;
    if (key.rpm !== null && w.requests + 1 > key.rpm) throw limited("requests", key.rpm, resetMs);
    if (key.tpm !== null && w.tokens + estimate > key.tpm && w.tokens > 0) throw limited("tokens", key.tpm, resetMs);
    w.requests++;
    w.tokens += estimate;
    const headers: Record<string, string> = {};
    if (key.rpm !== null) {
      headers["x-ratelimit-limit-requests"] = String(key.rpm);
      headers["x-ratelimit-remaining-requests"] = String(Math.max(0, key.rpm - w.requests));
      headers["x-ratelimit-reset-requests"] = reset;
    }
    if (key.tpm !== null) {
      headers["x-ratelimit-limit-tokens"] = String(key.tpm);
      headers["x-ratelimit-remaining-tokens"] = String(Math.max(0, key.tpm - w.tokens));
      headers["x-ratelimit-reset-tokens"] = reset;
    }
    let settled = false;
    return {
      headers,
      settle: (actual) => {
        if (settled || actual === null) return;
        settled = true;
        // Only the window the estimate went into is corrected.
        if (this.windows.get(key.name) === w) w.tokens = Math.max(0, w.tokens - estimate + actual);
      },
    };
  }
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
