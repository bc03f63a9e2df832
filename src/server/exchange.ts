// One request, as one typed value that flows down the pipeline (pipeline.ts). Each stage
// fills in what it learned; `finish` ends it exactly once — the log line, the metrics, the
// upstream's slot and the cache record — whether the answer was served, replayed, refused
// or abandoned by the client.
import type { Gateway } from "./gateway.ts";
import type { Config } from "../config/resolve.ts";
import type { Registry } from "../upstream/registry.ts";
import type { Health } from "../upstream/health.ts";
import type { ProtocolSpec } from "../protocol/apis.ts";
import type { ParsedBody } from "../protocol/validate.ts";
import type { RequestLog } from "../status/log.ts";
import type { AttemptFailure, PlannedRoute, RouterContext, Served } from "../router/attempt.ts";
import type { Transform } from "../router/transforms.ts";
import type { CacheOutcome, Lead } from "../cache/front.ts";
import { isSpilled, type Recording } from "../cache/record.ts";
import type { Usage } from "../relay/usage.ts";
import type { Turn } from "./turn.ts";
import type { ResponseObject } from "../protocol/responses.ts";
import type { Json } from "../protocol/apis.ts";
import type { RequestTranslation } from "../protocol/translate/request.ts";
import { newRequestId } from "./request-id.ts";
import { costUsd, priceOf } from "../auth/prices.ts";
import type { ClientKey } from "../auth/key.ts";
import type { Charge } from "../auth/limits.ts";
import type { Slot } from "../auth/streams.ts";
import { DEFAULT_NAMESPACE } from "../db/responses.ts";
import { pathOf } from "./request-path.ts";
import { estimateTokens } from "../router/fit.ts";
import { trafficRecord } from "./traffic-record.ts";
import { watchBudget } from "../auth/budget-watch.ts";

export type Outcome = "ok" | "error" | "cancelled";

export interface Exchange {
  readonly id: string;
  readonly request: Request;
  readonly spec: ProtocolSpec;
  /** performance.now() at arrival: the log line's duration. */
  readonly started: number;
  /** Date.now() at arrival: the router's clock (time to first token). */
  readonly arrived: number;
  /** One consistent view for the whole request, even if a config reload swaps these meanwhile. */
  readonly config: Config;
  readonly registry: Registry;
  readonly health: Health;
  readonly gw: Gateway;
  readonly log: RequestLog;
  /** The client's address, as the socket (or a trusted proxy) says; looked up only when asked. */
  readonly remote: () => string | null;
  /** The client key it presented, once admitted (null: none needed). */
  key: ClientKey | null;
  /** What this request was charged against its key's rate limits. */
  charge: Charge | null;
  /** The stream slot this request holds for its key (auth/streams.ts), if any. */
  streamSlot: Slot | null;

  text: string;
  body: ParsedBody;
  route: PlannedRoute | null;
  /** Per-target body changes the route stage chose (router/transforms.ts). */
  transforms: readonly Transform[] | undefined;
  /** A conversation turn (protocols with `conversations`). */
  turn: Turn | null;
  /** What a translation will drop, when known before any target answers; null when it depends on the target. */
  warnings: string[] | null;
  cache: CacheOutcome;
  /** Seconds since a replayed answer was recorded. */
  age: number;
  lead: Lead | null;
  served: Served | null;
  attempts: number;
  /** Why each failed attempt failed (the served one's predecessors, or all of them). */
  failures: AttemptFailure[];
  /** An answer stitched from two targets mid-stream: complete, but never cached. */
  stitched: boolean;
  /** Set when the answer's final object is known to be a stored conversation turn. */
  reply: Json | null;
  /** The request as chat, per kind of target (stages/translate.ts). */
  translations: Map<string, RequestTranslation>;
  /** The prompt's estimated size (promptTokens), worked out once. */
  tokensEstimate: number | null;
  finished: boolean;
  /** The served upstream's slot was given back and the answer counted. */
  settled: boolean;
}

/**
 * The prompt's size as router/fit.ts estimates it, once per request: rate limits, the output
 * bound of each target and a translated answer's input count all read it, and a coding
 * agent's prompt is tens of kilobytes to walk.
 */
export function promptTokens(x: Exchange): number {
  x.tokensEstimate ??= x.spec.prompt ? estimateTokens(x.body, x.spec.prompt) : 0;
  return x.tokensEstimate;
}

/** The namespace the caller's cache entries and stored responses live in. */
export function namespaceOf(x: Exchange): string {
  return x.key?.namespace ?? DEFAULT_NAMESPACE;
}

export function openExchange(request: Request, spec: ProtocolSpec, gw: Gateway, remote: () => string | null): Exchange {
  const id = newRequestId();
  return {
    id,
    request,
    spec,
    started: performance.now(),
    arrived: Date.now(),
    config: gw.config,
    registry: gw.registry,
    health: gw.health,
    gw,
    log: { id, method: request.method, path: pathOf(request.url), status: 0, ms: 0 },
    remote,
    key: null,
    charge: null,
    streamSlot: null,
    text: "",
    body: { model: "", stream: false },
    route: null,
    transforms: undefined,
    turn: null,
    warnings: null,
    cache: "BYPASS",
    age: 0,
    lead: null,
    served: null,
    attempts: 0,
    failures: [],
    stitched: false,
    reply: null,
    translations: new Map(),
    tokensEstimate: null,
    finished: false,
    settled: false,
  };
}

/** The router's view of this request: the snapshot taken at arrival. */
export function routerContext(x: Exchange): RouterContext {
  return { config: x.config, registry: x.registry, health: x.health, metrics: x.gw.metrics, clock: x.gw.clock, log: x.gw.log, events: x.gw.events };
}

export interface Ending {
  status: number;
  outcome: Outcome;
  error?: string;
  usage?: Usage | null;
  /** What the cache may keep of the answer (only when it ended well). */
  recorded?: Recording | null;
  /** A replayed answer's recorded usage: the tokens the cache saved (never charged to the key). */
  saved?: Usage | null;
}

/** The one end of every exchange. */
export function finish(x: Exchange, end: Ending): void {
  if (x.finished) {
    dropSpill(end.recorded);
    return;
  }
  x.finished = true;
  const s = x.served;
  const log = x.log;
  log.status = end.status;
  log.ms = Math.round(performance.now() - x.started);
  log.cache = x.cache;
  if (x.body.model) {
    log.model = x.body.model;
    log.stream = x.body.stream;
  }
  if (x.route) log.route = x.route.name;
  if (x.key) log.key = x.key.name;
  if (s) {
    log.upstream = s.upstream.config.name;
    log.attempts = s.attempts;
  } else if (x.attempts) log.attempts = x.attempts;
  const failed = s?.failures ?? x.failures;
  if (failed.length) log.failures = failed.map((f) => `${f.upstream}/${f.model}: ${f.reason}`);
  if (end.error) log.error = end.error;
  else if (end.outcome === "cancelled") log.error = "client closed the request";
  const kept = end.outcome === "ok" && !x.stitched ? (end.recorded ?? null) : null;
  // A stitched answer (continued on another target) is not kept: nor is its spill file.
  if (!kept) dropSpill(end.recorded);
  x.lead?.finish(kept);
  if (x.reply && x.turn?.store) x.turn.keep(x.reply as ResponseObject);
  if (s) settle(x, s, end);
  const keyName = x.key?.name ?? "local";
  x.gw.metrics.clients.inc({ key: keyName, status: `${Math.floor(end.status / 100)}xx` });
  if (end.usage) {
    x.gw.metrics.clientTokens.inc({ key: keyName, direction: "in" }, end.usage.input);
    x.gw.metrics.clientTokens.inc({ key: keyName, direction: "out" }, end.usage.output);
  }
  x.charge?.settle(end.usage ? end.usage.input + end.usage.output : null);
  if (x.streamSlot && x.key) x.gw.streams?.close(x.key.name, x.streamSlot);
  x.gw.log.request(log);
  const rec = trafficRecord(x, end, log.ms);
  x.gw.traffic.record(rec);
  if (rec.source === "cache") {
    // Cache hits' savings as series too (the status page has them from the same record).
    const route = x.route?.name ?? "none";
    if (rec.avoidedUsd > 0) x.gw.metrics.cacheSpendAvoided.inc({ route }, rec.avoidedUsd);
    if (rec.savedTokens > 0) x.gw.metrics.cacheTokensSaved.inc({ route }, rec.savedTokens);
  }
}

/** A recording that will not be kept: its spill file (cache/spill.ts), if any, goes now. */
function dropSpill(r: Recording | null | undefined): void {
  if (r && isSpilled(r)) r.spilled.remove();
}

/**
 * An upstream answered after the exchange had already ended (the client left a stream
 * committed early): give its slot back and count it, as the client's doing.
 */
export function settleLate(x: Exchange, s: Served): void {
  settle(x, s, { status: 200, outcome: "cancelled" });
}

function settle(x: Exchange, s: Served, end: Ending): void {
  if (x.settled) return;
  x.settled = true;
  s.lease.end(end.outcome);
  account(x, s, end);
  chargeCloud(x, s, end.usage);
}

/** Count what a cloud answer cost against the day's spend (for every key, budgets or not). */
function chargeCloud(x: Exchange, s: Served, usage: Usage | null | undefined): void {
  if (!x.gw.budget || !usage || s.upstream.config.tier !== "cloud") return;
  const price = priceOf(s.upstream.config, s.target.model);
  if (!price) return;
  try {
    x.gw.budget.add(x.key?.name ?? "", costUsd(price, usage));
    watchBudget({ events: x.gw.events, spend: x.gw.budget, limits: x.config.budget, key: x.key });
  } catch (err) {
    x.gw.log.event("warn", "could not record cloud spend", { message: (err as Error)?.message ?? String(err) });
  }
}

function account(x: Exchange, s: Served, end: Ending): void {
  const m = x.gw.metrics;
  const upstream = s.upstream.config.name;
  m.requests.inc({ upstream, outcome: end.outcome });
  m.duration.observe({ upstream }, (Date.now() - x.arrived) / 1000);
  const usage = end.usage;
  if (!usage) return;
  m.tokens.inc({ upstream, direction: "in" }, usage.input);
  m.tokens.inc({ upstream, direction: "out" }, usage.output);
  const a = x.route?.alias;
  if (s.upstream.config.tier === "local" && a && (a.priceInput || a.priceOutput)) {
    m.spendAvoided.inc({ alias: a.name }, (usage.input * (a.priceInput ?? 0) + usage.output * (a.priceOutput ?? 0)) / 1e6);
  }
}
