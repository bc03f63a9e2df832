// After a target has served: release its slot when the answer is over, count tokens and
// time, and note a stream that died half-way against the upstream's breaker.
import type { AliasConfig, Tier } from "../config/resolve.ts";
import type { UpstreamHealth } from "../upstream/health.ts";
import type { GatewayMetrics } from "../status/gateway-metrics.ts";
import { scanUsage, type Usage } from "../relay/usage.ts";

export interface OutcomeInput {
  body: ReadableStream<Uint8Array> | string;
  upstream: string;
  alias: AliasConfig | null;
  tier: Tier;
  h: UpstreamHealth;
  release: () => void;
  metrics: GatewayMetrics;
  startedAt: number;
}

export function trackOutcome(o: OutcomeInput): ReadableStream<Uint8Array> | string {
  if (typeof o.body === "string") {
    settle(o, "ok", scanUsage(o.body));
    return o.body;
  }
  const reader = o.body.getReader();
  const decoder = new TextDecoder();
  let usage: Usage | null = null;
  let done = false;
  const end = (outcome: "ok" | "failed" | "cancelled") => {
    if (done) return;
    done = true;
    if (outcome === "failed") o.h.breaker.onFailure();
    settle(o, outcome, usage);
  };
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      try {
        const { value, done: eof } = await reader.read();
        if (eof) {
          end("ok");
          ctl.close();
          return;
        }
        // Usage sits in the last events; only chunks that mention tokens are decoded.
        if (value.length > 12 && hasTokens(value)) usage = scanUsage(decoder.decode(value)) ?? usage;
        ctl.enqueue(value);
      } catch (err) {
        end("failed");
        ctl.error(err);
      }
    },
    cancel(reason) {
      end("cancelled");
      return reader.cancel(reason);
    },
  });
}

function settle(o: OutcomeInput, outcome: string, usage: Usage | null): void {
  o.release();
  const m = o.metrics;
  m.requests.inc({ upstream: o.upstream, outcome });
  m.duration.observe({ upstream: o.upstream }, (performance.now() - o.startedAt) / 1000);
  if (!usage) return;
  m.tokens.inc({ upstream: o.upstream, direction: "in" }, usage.input);
  m.tokens.inc({ upstream: o.upstream, direction: "out" }, usage.output);
  const a = o.alias;
  if (o.tier === "local" && a && (a.priceInput || a.priceOutput)) {
    m.spendAvoided.inc({ alias: a.name }, (usage.input * (a.priceInput ?? 0) + usage.output * (a.priceOutput ?? 0)) / 1e6);
  }
}

// `_tokens"` in bytes: cheaper than decoding every chunk to look for it.
const NEEDLE = [95, 116, 111, 107, 101, 110, 115, 34];

function hasTokens(buf: Uint8Array): boolean {
  outer: for (let i = buf.length - NEEDLE.length; i >= 0; i--) {
    for (let j = 0; j < NEEDLE.length; j++) if (buf[i + j] !== NEEDLE[j]) continue outer;
    return true;
  }
  return false;
}
