// The status page's view model: /status.json's figures turned into the words and numbers a
// person reads (reachability with its reason, what a circuit state means, shares, percentiles,
// money), plus the two inline-SVG charts. Pure: no I/O, so the page's logic is testable as data.
import type { statusJson, cacheJson } from "./status-json.ts";
import type { Stamped } from "./events.ts";

type Status = ReturnType<typeof statusJson>;
type Cache = Awaited<ReturnType<typeof cacheJson>>;

/** Events the page lists (all of the ring is in /status.json). */
export const PAGE_EVENTS = 30;

const CIRCUIT_MEANING: Record<string, string> = {
  closed: "requests flow normally",
  open: "skipped after repeated failures (or the upstream asked to wait)",
  "half-open": "cool-down over: the next request or probe is a trial; success closes it",
};

const clock = (iso: string | null) => (iso ? iso.slice(11, 19) : "");
export const ms = (n: number | null | undefined) => (n === null || n === undefined ? "–" : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);
export const usd = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
export const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)} %` : "–");

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MiB`;
  return `${(n / 1073741824).toFixed(1)} GiB`;
}

export function pageView(status: Status, cache: Cache) {
  const t = status.traffic;
  return {
    upstreams: status.upstreams.map((u) => {
      const lat = t.latency[u.name];
      return {
        ...u,
        reach: u.reachable === null ? "unknown" : u.reachable ? "yes" : "no",
        reason: u.reachable === false ? (u.last_error ?? "the probe failed") : u.reachable === null ? "not probed yet" : null,
        waking: u.wake?.waking_since ? `waking since ${clock(u.wake.waking_since)} UTC` : null,
        meaning: CIRCUIT_MEANING[u.circuit] + (u.circuit_until ? ` — trial from ${clock(u.circuit_until)} UTC` : ""),
        ttft: lat ? `${ms(lat.ttft_p50_ms)} / ${ms(lat.ttft_p95_ms)}` : "–",
        tps: lat?.tokens_per_s_p50 != null ? `${lat.tokens_per_s_p50} / ${lat.tokens_per_s_p95}` : "–",
      };
    }),
    shares: [
      { when: "today (UTC)", ...shares(t.today) },
      { when: "last hour", ...shares(t.last_hour) },
    ],
    spend: spendView(status),
    // Local answers (the metric, at alias prices) plus cache hits (Traffic), since start.
    avoided: usd(status.totals.cloud_spend_avoided_usd + t.since_start.cache_spend_avoided_usd),
    cache: cache && { ...cache, size: bytes(cache.bytes), rate: cache.hit_rate === null ? "–" : `${Math.round(cache.hit_rate * 100)} %` },
    tokensSaved: t.since_start.cache_tokens_saved,
    diskFree: status.data.free_bytes === null ? "–" : bytes(status.data.free_bytes),
    diskKeep: status.data.keep_free_bytes === null ? "–" : bytes(status.data.keep_free_bytes),
    recent: t.recent.map((r) => ({ ...r, time: clock(r.ts), first: ms(r.ttft_ms), took: ms(r.ms), tokens: tokens(r.tokens_in, r.tokens_out) })),
    events: status.events.slice(0, PAGE_EVENTS).map((e) => ({ time: clock(e.ts), level: e.level, msg: e.msg, detail: detail(e) })),
    charts: {
      requests: bars(t.minutes.map((m) => m.requests)),
      ttft: bars(t.minutes.map((m) => m.ttft_avg_ms ?? 0)),
      peakRequests: Math.max(0, ...t.minutes.map((m) => m.requests)),
      peakTtft: ms(Math.max(0, ...t.minutes.map((m) => m.ttft_avg_ms ?? 0))),
    },
  };
}

function shares(c: { requests: number; ok: number; error: number; cancelled: number; local: number; cloud: number; cache: number }) {
  const answered = c.local + c.cloud + c.cache;
  return {
    ...c,
    localPct: pct(c.local, answered),
    cloudPct: pct(c.cloud, answered),
    cachePct: pct(c.cache, answered),
  };
}

function spendView(status: Status) {
  const spent = status.totals.cloud_spend_today_usd;
  const budget = status.totals.cloud_daily_budget_usd;
  if (spent === null) return { today: "–", budget: null, used: null };
  return { today: usd(spent), budget: budget === null ? null : usd(budget), used: budget ? pct(spent, budget) : null };
}

const tokens = (i: number | null, o: number | null) => (i === null && o === null ? "–" : `${i ?? 0} → ${o ?? 0}`);

/** An event's own fields in words ("upstream: gpu · reason: connection refused"). */
function detail(e: Stamped): string {
  const skip = new Set(["ts", "level", "msg", "type"]);
  return Object.entries(e)
    .filter(([k, v]) => !skip.has(k) && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k.replace(/_/g, " ")}: ${Array.isArray(v) ? v.join(", ") : v}`)
    .join(" · ");
}

/** Bars for 60 values, scaled to the largest; numbers only, so the SVG can be inlined as is. */
export function bars(values: number[], w = 240, h = 40): string {
  const max = Math.max(1, ...values);
  const bw = w / Math.max(1, values.length);
  const rects = values
    .map((v, i) =>
      v > 0
        ? `<rect x="${(i * bw).toFixed(1)}" y="${(h - (v / max) * h).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${((v / max) * h).toFixed(1)}"/>`
        : "",
    )
    .join("");
  return `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-hidden="true"><line x1="0" y1="${h}" x2="${w}" y2="${h}"/>${rects}</svg>`;
}
