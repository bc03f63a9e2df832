// GET /status.json: each upstream's health and load, and the traffic figures, read from
// the same metric series that /metrics renders. Never a key: only names, URLs (without
// their credentials: displayUrl) and counts.
import type { AliasConfig } from "../config/resolve.ts";
import type { Health } from "../upstream/health.ts";
import type { UpstreamState } from "../upstream/registry.ts";
import type { CacheStats } from "../cache/store.ts";
import { describeMisroute, misroutes } from "../router/misroute.ts";
import type { Registry as MetricsRegistry } from "./metrics.ts";
import { displayUrl, redactUrls } from "../upstream/url.ts";
import type { Stamped } from "./events.ts";
import type { Traffic } from "./traffic.ts";
import { gpuShare, type LoadedModel } from "../upstream/runtime.ts";
import { statfsSync } from "node:fs";
import { diskState } from "../db/disk-room.ts";
import { isDamage } from "../db/damaged.ts";

/** What the status page and /status.json read: a narrow view of the running gateway. */
export interface StatusView {
  version: string;
  metrics: { registry: MetricsRegistry };
  health: Pick<Health, "snapshot">;
  registry: { list: UpstreamState[] };
  config: {
    aliases: Map<string, AliasConfig>;
    source: string;
    budget: { cloudDailyUsd: number | null; cloudMonthlyUsd: number | null };
    server: { dataDir: string; keepFreeDisk: number | "auto" };
  };
  budget?: { spentToday(key?: string): number; spentThisMonth(): number };
  cache: { store: { stats(): Promise<CacheStats> } };
  events: { recent(limit?: number): Stamped[] };
  traffic: Pick<Traffic, "snapshot">;
}

const startedAt = Date.now();

type SeriesSnapshot = { labels: Record<string, string>; value?: number; count?: number; sum?: number };

function byLabel(series: SeriesSnapshot[] | undefined, label: string, value: string): SeriesSnapshot[] {
  return (series ?? []).filter((s) => s.labels[label] === value);
}

const redactOrNull = (text: string | null) => (text === null ? null : redactUrls(text));

const sum = (xs: SeriesSnapshot[]) => xs.reduce((a, s) => a + (s.value ?? 0), 0);

export function statusJson(gw: StatusView) {
  const snap = gw.metrics.registry.snapshot() as unknown as Record<string, { series: SeriesSnapshot[] }>;
  const s = (name: string) => snap[name]?.series ?? [];
  const health = new Map(gw.health.snapshot().map((h) => [h.name, h]));
  const upstreams = gw.registry.list.map((u) => {
    const name = u.config.name;
    const h = health.get(name)!;
    const ttft = byLabel(s("wayfront_time_to_first_token_seconds"), "upstream", name)[0];
    const dur = byLabel(s("wayfront_request_duration_seconds"), "upstream", name)[0];
    return {
      name,
      tier: u.config.tier,
      base_url: u.config.demo ? "built-in (in-process, fake)" : displayUrl(u.config.baseUrl),
      demo: u.config.demo,
      models: [...u.models],
      reachable: h.probe ? h.probe.ok : null,
      last_error: redactOrNull(h.probe?.error ?? u.lastError),
      circuit: h.breaker.state,
      // When an open circuit lets a trial through (or a Retry-After cool-down ends).
      circuit_until: until(h.breaker.openUntil ?? h.breaker.coolDownUntil),
      consecutive_failures: h.breaker.consecutiveFailures,
      outstanding: h.outstanding,
      queued: h.queued,
      max_concurrency: u.config.maxConcurrency,
      loaded: h.loaded,
      // The context each model really runs with and how much of it is in GPU memory.
      loaded_models: h.loadedModels?.map(loadedModelJson) ?? null,
      // Wake-on-LAN ([upstream.wake]); a MAC is not a secret. waking_since: a wake under way.
      wake: h.wake && {
        mac: h.wake.config.mac,
        broadcast: `${h.wake.config.broadcast}:${h.wake.config.port}`,
        while_waking: h.wake.config.whileWaking,
        waking_since: until(h.wake.wakingSince),
        last_sent: until(h.wake.lastSentAt),
      },
      requests: sum(byLabel(s("wayfront_requests_total"), "upstream", name)),
      failures: sum(byLabel(s("wayfront_upstream_failures_total"), "upstream", name)),
      failovers: sum(byLabel(s("wayfront_failovers_total"), "upstream", name)),
      spillovers: sum(byLabel(s("wayfront_spillovers_total"), "upstream", name)),
      tokens_in: sum(byLabel(byLabel(s("wayfront_tokens_total"), "upstream", name), "direction", "in")),
      tokens_out: sum(byLabel(byLabel(s("wayfront_tokens_total"), "upstream", name), "direction", "out")),
      ttft_avg_ms: ttft?.count ? Math.round((ttft.sum! / ttft.count) * 1000) : null,
      duration_avg_ms: dur?.count ? Math.round((dur.sum! / dur.count) * 1000) : null,
    };
  });
  return {
    version: gw.version,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
    upstreams,
    totals: {
      requests: sum(s("wayfront_requests_total")),
      failovers: sum(s("wayfront_failovers_total")),
      spillovers: sum(s("wayfront_spillovers_total")),
      midstream_continuations: sum(s("wayfront_midstream_continuations_total")),
      tokens_in: sum(byLabel(s("wayfront_tokens_total"), "direction", "in")),
      tokens_out: sum(byLabel(s("wayfront_tokens_total"), "direction", "out")),
      cloud_spend_avoided_usd: Math.round(sum(s("wayfront_cloud_spend_avoided_usd_total")) * 1e6) / 1e6,
      cloud_spend_today_usd: usd(gw.budget, (b) => b.spentToday()),
      cloud_spend_month_usd: usd(gw.budget, (b) => b.spentThisMonth()),
      cloud_daily_budget_usd: gw.config.budget.cloudDailyUsd,
      cloud_monthly_budget_usd: gw.config.budget.cloudMonthlyUsd,
    },
    // Targets their upstream does not list: each request skips them (often to the cloud).
    misroutes: misroutes(gw.config, { get: (n: string) => gw.registry.list.find((u) => u.config.name === n) }).map(describeMisroute),
    // Who called, by client key name (never a key): from the same series /metrics renders.
    clients: clientsOf(s("wayfront_client_requests_total")).map((c) => ({
      ...c,
      cloud_spend_today_usd: usd(gw.budget, (b) => b.spentToday(c.name === "local" ? "" : c.name)),
    })),
    // The data dir's disk: below keep_free_disk the cache and stored responses stop growing.
    data: dataJson(gw.config.server),
    // Recent traffic (every request, by outcome and by source), and the event log, newest first.
    traffic: gw.traffic.snapshot(),
    events: gw.events.recent(),
    aliases: [...gw.config.aliases.values()].map((a) => ({
      name: a.name,
      targets: a.targets.map((t) => `${t.upstream}/${t.model}`),
      busy: a.busy,
      midstream: a.midstream,
    })),
  };
}

function dataJson(server: { dataDir: string; keepFreeDisk: number | "auto" }) {
  try {
    const d = diskState(statfsSync(server.dataDir), server.keepFreeDisk);
    return { dir: server.dataDir, free_bytes: d.freeBytes, keep_free_bytes: d.keepBytes, disk_low: d.freeBytes <= d.keepBytes };
  } catch {
    return { dir: server.dataDir, free_bytes: null, keep_free_bytes: null, disk_low: false };
  }
}

/**
 * A spend figure to the micro-dollar, or null: without a budget, and when its table cannot be
 * read (a damaged data file, db/damaged.ts) — the page that would show the operator what is
 * wrong must not itself fail on it.
 */
function usd<B>(budget: B | undefined, read: (b: B) => number): number | null {
  if (!budget) return null;
  try {
    return Math.round(read(budget) * 1e6) / 1e6;
  } catch (err) {
    if (isDamage(err)) return null;
    throw err;
  }
}

function loadedModelJson(m: LoadedModel) {
  const { vramPercent, spills } = gpuShare(m);
  return { model: m.model, context: m.context, size: m.size, size_vram: m.sizeVram, vram_percent: vramPercent, spills };
}

const until = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The cache's figures for the page and /status.json; null while its backend does not answer. */
export async function cacheJson(gw: StatusView) {
  const st = await gw.cache.store.stats().catch(() => null);
  if (!st) return null;
  const looked = st.hits + st.misses;
  return { ...st, hit_rate: looked ? Math.round((st.hits / looked) * 1000) / 1000 : null };
}

function clientsOf(series: SeriesSnapshot[]): { name: string; requests: number; errors: number }[] {
  const by = new Map<string, { name: string; requests: number; errors: number }>();
  for (const x of series) {
    const name = x.labels.key;
    const c = by.get(name) ?? { name, requests: 0, errors: 0 };
    c.requests += x.value ?? 0;
    if (x.labels.status !== "2xx") c.errors += x.value ?? 0;
    by.set(name, c);
  }
  return [...by.values()].sort((a, b) => b.requests - a.requests);
}
