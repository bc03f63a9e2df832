// What the gateway shows about itself: the status page, /status.json, /metrics, /healthz.
import { damageAnswer } from "../damage.ts";
import type { Gateway } from "../gateway.ts";
import { cacheJson, statusJson } from "../../status/status-json.ts";
import { allSnippets, exampleModel } from "../../status/snippets.ts";

// The page's renderer (eta and its compiled templates) is loaded at the first page request, not
// at start-up: a gateway serves API calls long before, if ever, anyone opens its page.
let page: Promise<typeof import("../../status/page.ts")> | undefined;
function loadPage() {
  page ??= import("../../status/page.ts");
  return page;
}

const JSON_TYPE = { "content-type": "application/json" };

export function statusPageEndpoint(gw: Gateway) {
  return async (request: Request) => {
    const { statusPage } = await loadPage();
    const html = await statusPage(gw, request, { snippets: (base) => allSnippets(base, exampleModel(gw.config)) });
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  };
}

export function statusJsonEndpoint(gw: Gateway) {
  return async () => new Response(JSON.stringify({ ...statusJson(gw), cache: await cacheJson(gw) }), { headers: JSON_TYPE });
}

const CIRCUIT = { closed: 0, "half-open": 1, open: 2 } as const;

/** The gauges: what the gateway's state is now, read at scrape time. */
async function setGauges(gw: Gateway): Promise<void> {
  const m = gw.metrics;
  for (const h of gw.health.snapshot()) {
    const upstream = h.name;
    if (h.probe) m.upstreamUp.set({ upstream }, h.probe.ok ? 1 : 0);
    m.circuit.set({ upstream }, CIRCUIT[h.breaker.state]);
    m.inFlight.set({ upstream }, h.outstanding);
    m.queued.set({ upstream }, h.queued);
    m.shed.set({ upstream }, h.shed);
  }
  m.upstreamRequests.set({}, gw.health.global.outstanding());
  m.upstreamRequestsQueued.set({}, gw.health.global.queued());
  const stats = await gw.cache.store.stats().catch(() => null);
  if (stats) {
    m.cacheEntries.set({}, stats.entries);
    m.cacheBytes.set({}, stats.bytes);
    m.cacheHits.set({}, stats.hits);
    m.cacheMisses.set({}, stats.misses);
  }
  // A damaged data file (db/damaged.ts) leaves the gauge where it was; the scrape still answers.
  try {
    if (gw.budget) m.cloudSpendToday.set({}, gw.budget.spentToday());
  } catch (err) {
    if (!damageAnswer(gw, err)) throw err;
  }
}

/** Prometheus text exposition format 0.0.4. */
export function metricsText(gw: Gateway) {
  return async () => {
    await setGauges(gw);
    return new Response(gw.metrics.registry.prometheus(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
  };
}

/** `service` tells a Wayfront from any other server answering /healthz (`wayfront doctor` asks). */
export function healthz(gw: Gateway) {
  return () => new Response(JSON.stringify({ status: "ok", service: "wayfront", version: gw.version }), { headers: JSON_TYPE });
}
