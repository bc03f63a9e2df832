// The gateway's event log: one typed value per state transition (an upstream lost or back, a
// circuit opening, half-opening or closing, a busy upstream spilling or queueing, a reload
// applied or refused, the cache backend down or back, its writes failing or back, the data
// dir's disk nearly full or not, a budget passing 80 % and 100 %, a sleeping box sent a
// Wake-on-LAN packet and then awake or not).
// `emit` writes it as one JSON line through the logger and keeps the last few hundred for
// /status.json and the status page. Callers report transitions, not every observation; `once`
// and `clear` latch the ones that are noticed again and again (a busy upstream, a budget).
import type { Logger } from "./log.ts";
import { Ring } from "./ring.ts";
import { redactUrls } from "../upstream/url.ts";

export type GatewayEvent =
  | { type: "upstream_unreachable"; upstream: string; reason: string }
  | { type: "upstream_reachable"; upstream: string; down_for_s: number }
  | { type: "circuit_open"; upstream: string; reason: string; retry_in_s: number }
  | { type: "circuit_half_open"; upstream: string }
  | { type: "circuit_closed"; upstream: string; failed_trials: number }
  | { type: "upstream_busy"; upstream: string; route: string; policy: "overflow" | "wait" | "queue"; in_flight: number; queued: number }
  | { type: "config_reloaded"; config: string; upstreams: string[]; restart_needed: string[] }
  | { type: "config_reload_refused"; message: string }
  | { type: "cache_down"; backend: string; reason: string }
  | { type: "cache_up"; backend: string; down_for_s: number }
  | { type: "cache_writes_failing"; backend: string; reason: string }
  | { type: "cache_writes_back"; backend: string; failing_for_s: number }
  | { type: "disk_low"; data_dir: string; free_bytes: number; keep_free_bytes: number }
  | { type: "disk_ok"; data_dir: string; free_bytes: number; keep_free_bytes: number }
  | { type: "data_file_damaged"; path: string; reason: string }
  | { type: "responses_writes_failing"; id: string; reason: string }
  | { type: "responses_writes_back" }
  | { type: "budget_threshold"; budget: string; key: string | null; percent: 80 | 100; spent_usd: number; limit_usd: number }
  | { type: "wake_sent"; upstream: string; mac: string; broadcast: string }
  | { type: "wake_done"; upstream: string; woke_in_s: number }
  | { type: "wake_failed"; upstream: string; after_s: number; reason: string };

export type EventType = GatewayEvent["type"];
type Level = "info" | "warn" | "error";

/** Each type's level and log message (msg), in one table so the log reads the same for every event. */
const TEXT: { [K in EventType]: [Level, string] } = {
  upstream_unreachable: ["warn", "upstream unreachable"],
  upstream_reachable: ["info", "upstream reachable again"],
  circuit_open: ["warn", "circuit open"],
  circuit_half_open: ["info", "circuit half-open"],
  circuit_closed: ["info", "circuit closed"],
  upstream_busy: ["warn", "upstream busy"],
  // These two keep the lines the reload always wrote (tests and operators grep for them).
  config_reloaded: ["info", "config reloaded"],
  config_reload_refused: ["error", "config reload failed; keeping the running config"],
  cache_down: ["warn", "cache backend down"],
  cache_up: ["info", "cache backend back"],
  cache_writes_failing: ["warn", "cache cannot store answers"],
  cache_writes_back: ["info", "cache storing answers again"],
  disk_low: ["warn", "data dir's disk nearly full: cache and stored responses stop growing"],
  disk_ok: ["info", "data dir's disk has room again"],
  responses_writes_failing: ["warn", "stored responses cannot be written: previous_response_id to them will not be found"],
  responses_writes_back: ["info", "stored responses written again"],
  data_file_damaged: ["error", "data file damaged: restore it from a backup, or move it aside and restart (client keys must then be created again)"],
  budget_threshold: ["warn", "budget threshold passed"],
  wake_sent: ["info", "wake-on-LAN packet sent"],
  wake_done: ["info", "upstream woke up"],
  wake_failed: ["warn", "upstream did not wake"],
};

export type Stamped = GatewayEvent & { ts: string; level: Level; msg: string };

/** Where lower layers report events; they never see the log or the ring. */
export interface EventSink {
  emit(e: GatewayEvent): void;
  once(key: string, make: () => GatewayEvent): boolean;
  clear(key: string): boolean;
}

export const NO_EVENTS: EventSink = { emit() {}, once: () => false, clear: () => false };

const KEEP = 300;
/** Latches held at most: one per busy upstream and budget period, so this is generous. */
const MAX_LATCHES = 1000;

export class EventLog implements EventSink {
  private readonly ring: Ring<Stamped>;
  private readonly latched = new Set<string>();

  constructor(
    private readonly log: Pick<Logger, "event">,
    capacity = KEEP,
    private readonly now: () => number = Date.now,
  ) {
    this.ring = new Ring(capacity);
  }

  emit(e: GatewayEvent): void {
    const [level, msg] = TEXT[e.type];
    const clean = scrub(e);
    this.ring.push({ ts: new Date(this.now()).toISOString(), level, msg, ...clean });
    this.log.event(level, msg, { event: clean.type, ...clean, type: undefined });
  }

  /** Emit only if `key` is not latched already, and latch it. True when emitted. */
  once(key: string, make: () => GatewayEvent): boolean {
    if (this.latched.has(key)) return false;
    if (this.latched.size >= MAX_LATCHES) this.latched.delete(this.latched.values().next().value as string);
    this.latched.add(key);
    this.emit(make());
    return true;
  }

  /** Unlatch `key`, so the next `once` emits again. True when it was latched. */
  clear(key: string): boolean {
    return this.latched.delete(key);
  }

  /** Up to `limit` events, newest first. */
  recent(limit?: number): Stamped[] {
    return this.ring.newestFirst(limit);
  }
}

// Reasons come from transport errors, upstream bodies and config errors: no URL credentials
// and nothing shaped like an API key or a bearer token may pass, whoever wrote the text.
const KEYISH = /\b(sk|pk|rk|sess|key)-[A-Za-z0-9_-]{6,}|\bBearer\s+\S+/g;

function scrub<E extends GatewayEvent>(e: E): E {
  const out = { ...e };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === "string" && k !== "type") (out as Record<string, unknown>)[k] = redactUrls(v).replace(KEYISH, "[redacted]");
  }
  return out;
}
