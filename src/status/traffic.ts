// What the status page tells about recent traffic, beyond the Prometheus series: every ended
// request (cache hits, errors and cancellations included) counted by outcome and by where its
// answer came from, per minute for the last hour and per UTC day; the last requests as a list;
// and per-upstream percentiles of time to first token and tokens per second. Everything is
// bounded: 60 minute buckets, a ring of recent requests, a fixed reservoir per upstream.
import { MinuteRing, type MinuteCounts, type OutcomeCounts } from "./minutes.ts";
import { Reservoir } from "./reservoir.ts";
import { Ring } from "./ring.ts";

export type Source = "local" | "cloud" | "cache";

/** One ended request, as the page may show it: names and figures, never prompt or answer text. */
export interface RequestRecord {
  at: number;
  key: string | null;
  model: string | null;
  upstream: string | null;
  /** Where the answer came from; null when nothing answered (refused, failed before routing). */
  source: Source | null;
  status: number;
  outcome: "ok" | "error" | "cancelled";
  cache: string;
  /** Request start to the first content token (streams); null otherwise. */
  ttftMs: number | null;
  ms: number;
  tokensIn: number | null;
  tokensOut: number | null;
  /** Estimated cloud spend a cache hit avoided (local answers are counted by wayfront_cloud_spend_avoided_usd_total). */
  avoidedUsd: number;
  /** Tokens a cache hit did not have to generate again. */
  savedTokens: number;
}

interface Totals extends OutcomeCounts {
  requests: number;
  cache_spend_avoided_usd: number;
  cache_tokens_saved: number;
}

const zero = (): Totals => ({
  requests: 0,
  ok: 0,
  error: 0,
  cancelled: 0,
  local: 0,
  cloud: 0,
  cache: 0,
  cache_spend_avoided_usd: 0,
  cache_tokens_saved: 0,
});
const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export const RECENT_REQUESTS = 50;

export class Traffic {
  private readonly minutes: MinuteRing;
  private readonly recent = new Ring<RequestRecord>(RECENT_REQUESTS);
  private readonly perUpstream = new Map<string, { ttft: Reservoir; tps: Reservoir }>();
  private day = "";
  private today = zero();
  private readonly all = zero();

  constructor(private readonly now: () => number = Date.now) {
    this.minutes = new MinuteRing(now);
  }

  record(r: RequestRecord): void {
    this.rollDay();
    add(this.today, r);
    add(this.all, r);
    const m = this.minutes.current();
    m[r.outcome]++;
    if (r.source) m[r.source]++;
    if (r.ttftMs !== null) {
      m.ttftSumMs += r.ttftMs;
      m.ttftCount++;
    }
    this.recent.push(r);
    if (r.upstream && r.source !== "cache") this.sample(r.upstream, r);
  }

  private sample(upstream: string, r: RequestRecord): void {
    let s = this.perUpstream.get(upstream);
    // Upstream names come from the config, so this map is as small as the upstream list.
    if (!s) {
      s = { ttft: new Reservoir(), tps: new Reservoir() };
      this.perUpstream.set(upstream, s);
    }
    if (r.ttftMs !== null) s.ttft.add(r.ttftMs);
    // Generation speed: output tokens over the time spent generating them (after the first token).
    const genMs = r.ms - (r.ttftMs ?? 0);
    if (r.outcome === "ok" && r.tokensOut && r.tokensOut > 1 && genMs > 0) s.tps.add((r.tokensOut / genMs) * 1000);
  }

  /** When the current UTC day ends (ms): the date string is worked out only when it does. */
  private dayEnds = 0;

  private rollDay(): void {
    const now = this.now();
    if (now < this.dayEnds) return;
    const d = utcDay(now);
    this.dayEnds = Date.parse(`${d}T00:00:00Z`) + 86_400_000;
    if (d === this.day) return;
    this.day = d;
    this.today = zero();
  }

  snapshot() {
    this.rollDay();
    const hour = this.minutes.total();
    return {
      since_start: shown(this.all),
      today: shown(this.today),
      last_hour: { requests: hour.ok + hour.error + hour.cancelled, ...hour, ttftSumMs: undefined, ttftCount: undefined },
      minutes: this.minutes.series().map(({ minute, c }) => perMinute(minute, c)),
      latency: Object.fromEntries(
        [...this.perUpstream].map(([name, s]) => [
          name,
          {
            ttft_p50_ms: whole(s.ttft.percentile(50)),
            ttft_p95_ms: whole(s.ttft.percentile(95)),
            tokens_per_s_p50: tenth(s.tps.percentile(50)),
            tokens_per_s_p95: tenth(s.tps.percentile(95)),
            samples: s.ttft.size,
          },
        ]),
      ),
      recent: this.recent.newestFirst().map(recentRow),
    };
  }
}

const whole = (n: number | null) => (n === null ? null : Math.round(n));
const tenth = (n: number | null) => (n === null ? null : round(n, 1));

function add(t: Totals, r: RequestRecord): void {
  t.requests++;
  t[r.outcome]++;
  if (r.source) t[r.source]++;
  t.cache_spend_avoided_usd += r.avoidedUsd;
  t.cache_tokens_saved += r.savedTokens;
}

const shown = (t: Totals) => ({ ...t, cache_spend_avoided_usd: round(t.cache_spend_avoided_usd, 6) });

function perMinute(minute: number, c: MinuteCounts) {
  return {
    t: new Date(minute * 60_000).toISOString(),
    requests: c.ok + c.error + c.cancelled,
    errors: c.error,
    ttft_avg_ms: c.ttftCount ? Math.round(c.ttftSumMs / c.ttftCount) : null,
  };
}

function recentRow(r: RequestRecord) {
  return {
    ts: new Date(r.at).toISOString(),
    key: r.key,
    model: r.model,
    upstream: r.upstream,
    source: r.source,
    status: r.status,
    outcome: r.outcome,
    cache: r.cache,
    ttft_ms: r.ttftMs,
    ms: r.ms,
    tokens_in: r.tokensIn,
    tokens_out: r.tokensOut,
  };
}
