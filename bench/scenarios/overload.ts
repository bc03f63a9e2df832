// Scenario: overload at a multiple of capacity. The gateway's upstream may serve
// `maxConcurrency` requests at once, each taking SLOW_MS, so its capacity is known
// (maxConcurrency ÷ SLOW_MS); requests arrive open-loop at `factor` × that for `durationSec`,
// whatever the answers do, as many independent clients would. Each request is bounded by
// `timeoutMs`. The target: admitted requests keep a bounded p99, and the rest are
// refused quickly with 429/503 and Retry-After, never left to time out or reset.
import { summarize } from "../percentile.ts";
import { SLOW_MODEL, SLOW_MS } from "../reference-upstream.ts";
import { chatBody } from "../targets.ts";

export interface OverloadOptions {
  maxConcurrency: number;
  factor: number;
  durationSec: number;
  timeoutMs: number;
}

export interface OverloadResult {
  settings: OverloadOptions & { serviceMs: number; capacityRps: number; offeredRps: number };
  sent: number;
  admitted: number;
  admittedP50Ms: number;
  admittedP99Ms: number;
  /** 429 or 503 with a Retry-After header: the refusal a client can act on. */
  refusedWithRetryAfter: number;
  /** 429 or 503 without Retry-After. */
  refusedBare: number;
  /** Any other status. */
  otherStatus: number;
  timeouts: number;
  /** Connection errors and resets. */
  resets: number;
  refusedP99Ms: number;
}

type Outcome = { kind: "ok" | "retry-after" | "bare" | "other"; ms: number } | { kind: "timeout" | "reset"; ms: number };

async function send(url: string, body: string, timeoutMs: number): Promise<Outcome> {
  const start = performance.now();
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    const ms = performance.now() - start;
    if (res.status === 200) return { kind: "ok", ms };
    if (res.status === 429 || res.status === 503) return { kind: res.headers.has("retry-after") ? "retry-after" : "bare", ms };
    return { kind: "other", ms };
  } catch (err) {
    const name = (err as Error)?.name;
    return { kind: name === "TimeoutError" || name === "AbortError" ? "timeout" : "reset", ms: performance.now() - start };
  }
}

export async function runOverload(gatewayUrl: string, o: OverloadOptions): Promise<OverloadResult> {
  const capacityRps = (o.maxConcurrency * 1000) / SLOW_MS;
  const offeredRps = capacityRps * o.factor;
  const url = `${gatewayUrl}/v1/chat/completions`;
  const body = chatBody(SLOW_MODEL, false);
  const total = Math.round(offeredRps * o.durationSec);
  const pending: Promise<Outcome>[] = [];
  const t0 = performance.now();
  // Open loop: request i leaves at i / offeredRps seconds, late or not.
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / offeredRps;
    const wait = due - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    pending.push(send(url, body, o.timeoutMs));
  }
  const outcomes = await Promise.all(pending);
  const of = (k: Outcome["kind"]) => outcomes.filter((x) => x.kind === k);
  const ok = summarize(of("ok").map((x) => x.ms));
  const refused = summarize([...of("retry-after"), ...of("bare")].map((x) => x.ms));
  return {
    settings: { ...o, serviceMs: SLOW_MS, capacityRps, offeredRps },
    sent: total,
    admitted: ok.n,
    admittedP50Ms: ok.p50,
    admittedP99Ms: ok.p99,
    refusedWithRetryAfter: of("retry-after").length,
    refusedBare: of("bare").length,
    otherStatus: of("other").length,
    timeouts: of("timeout").length,
    resets: of("reset").length,
    refusedP99Ms: refused.p99,
  };
}
