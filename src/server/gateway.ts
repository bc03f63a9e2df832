// What every handler needs, built once per server.
import type { Config } from "../config/resolve.ts";
import type { Registry } from "../upstream/registry.ts";
import type { Health } from "../upstream/health.ts";
import type { GatewayMetrics } from "../status/gateway-metrics.ts";
import type { Logger } from "../status/log.ts";
import type { Database } from "../db/open.ts";
import type { ResponseCache } from "../cache/front.ts";
import type { Clock } from "../upstream/clock.ts";
import type { KeyStore } from "../auth/key.ts";
import type { Limiter } from "../auth/limits.ts";
import type { AdminSessions } from "../auth/admin.ts";
import type { CloudBudget } from "../auth/budget.ts";
import type { StreamSlots } from "../auth/streams.ts";
import type { StoredResponses } from "../db/stored-responses.ts";
import type { EventLog } from "../status/events.ts";
import type { Traffic } from "../status/traffic.ts";

export interface Gateway {
  config: Config;
  registry: Registry;
  /** Breakers, concurrency slots and probes per upstream. */
  health: Health;
  metrics: GatewayMetrics;
  log: Logger;
  /** State transitions (upstreams, circuits, reloads, cache, budgets): logged and kept for the status page. */
  events: EventLog;
  /** Recent requests and per-minute figures for the status page. */
  traffic: Traffic;
  version: string;
  /** The one SQLite file in the data dir (stored responses, and whatever else needs it). */
  db: Database;
  /** The prompt cache (SQLite on db, or Redis); every generating request asks it first. */
  cache: ResponseCache;
  /** Stored Responses conversations (SQLite, mirrored to Redis when the cache is shared). */
  responses: StoredResponses;
  /** Client keys (SQLite in the data dir, plus the config's static keys). */
  keys?: KeyStore;
  /** Cloud spend per day and key, against the budgets. */
  budget?: CloudBudget;
  /** Streams open now per client key (keys with a streams limit): here, or across instances. */
  streams?: StreamSlots;
  /** Admin sessions opened by the status page's sign-in form. */
  sessions?: AdminSessions;
  /** Per-key requests and tokens per minute, counted in this process (or shared through Redis). */
  limits?: Limiter;
  /** Aborts when a shutdown's drain is over: streams still open end with their terminal event. */
  closing?: AbortSignal;
  /** Time for the router (tests inject one); the real clock when absent. */
  clock?: Clock;
}
