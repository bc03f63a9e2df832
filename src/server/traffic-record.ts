// The status page's record of one ended exchange (status/traffic.ts), built in `finish` from
// what the exchange learned. Names and figures only: the model asked is the client's string
// (cut short), never a prompt or an answer.
import type { Exchange, Ending } from "./exchange.ts";
import type { RequestRecord, Source } from "../status/traffic.ts";
import type { Usage } from "../relay/usage.ts";
import { costUsd, priceOf } from "../auth/prices.ts";

const HITS = new Set(["HIT", "HIT-NEAR", "COALESCED"]);
const MODEL_CHARS = 120;

export function trafficRecord(x: Exchange, end: Ending, ms: number): RequestRecord {
  const s = x.served;
  const hit = HITS.has(x.cache) && end.outcome === "ok";
  const source: Source | null = hit ? "cache" : s && end.status < 400 ? s.upstream.config.tier : null;
  const usage = hit ? (end.saved ?? null) : (end.usage ?? null);
  return {
    at: Date.now(),
    key: x.key?.name ?? null,
    model: x.body.model ? x.body.model.slice(0, MODEL_CHARS) : null,
    upstream: hit ? null : (s?.upstream.config.name ?? null),
    source,
    status: end.status,
    outcome: end.outcome,
    cache: x.cache,
    ttftMs: hit ? null : (s?.firstTokenMs ?? null),
    ms,
    tokensIn: usage?.input ?? null,
    tokensOut: usage?.output ?? null,
    avoidedUsd: hit ? avoided(x, usage) : 0,
    savedTokens: hit && usage ? usage.input + usage.output : 0,
  };
}

/**
 * What a cache hit would have cost in the cloud: at its alias's configured prices (as local
 * answers count in wayfront_cloud_spend_avoided_usd_total), else at the price of the route's
 * first cloud target, since that is where a miss could have gone.
 */
function avoided(x: Exchange, usage: Usage | null): number {
  if (!usage) return 0;
  const a = x.route?.alias;
  if (a && (a.priceInput || a.priceOutput)) return costUsd({ input: a.priceInput ?? 0, output: a.priceOutput ?? 0 }, usage);
  if (!x.route) return 0;
  for (const t of x.route.targets) {
    const u = x.registry.get(t.upstream);
    if (u?.config.tier !== "cloud") continue;
    const price = priceOf(u.config, t.model);
    return price ? costUsd(price, usage) : 0;
  }
  return 0;
}
