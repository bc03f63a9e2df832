// The prompt cache at the response level: decide, look up (exact, then near), coalesce
// identical requests in flight, and record the leader's client-facing answer. It never
// touches the relay: it wraps whatever Response the pipeline produced (issue 4).

import type { AliasConfig, Config } from "../config/resolve.ts";
import type { Route } from "../router/resolve.ts";
import { errorResponse, toGatewayError } from "../protocol/errors.ts";
import { cacheKey, type Api } from "./key.ts";
import { cacheDecision } from "./policy.ts";
import { nearKey, nearText } from "./near.ts";
import { simhash } from "./simhash.ts";
import { finalTemplate, freshId, streamOfTexts } from "./replay.ts";
import { recorder } from "./record.ts";
import { teeBody } from "./tee.ts";
import { Flights, type Flight } from "./coalesce.ts";
import type { CacheEntry, CacheStore } from "./store.ts";
import { isFlightLocks, waitForEntry, type FlightLocks } from "./flight-locks.ts";
import { HotTier, type HotEntry } from "./hot-tier.ts";

export type CacheOutcome = "HIT" | "MISS" | "BYPASS" | "COALESCED" | "HIT-NEAR";

export interface CacheRequest {
  api: Api;
  route: Route;
  body: Record<string, unknown> & { model: string; stream: boolean };
  headers: Headers;
  signal: AbortSignal;
  requestId: string;
  /** Hears the final object of every cache hit, with the id the client is shown. */
  onReplay?: (final: any) => void;
  /** True when the answer must not be kept although it ended well (stitched mid-stream). */
  unstorable?: () => boolean;
}

/** Produces the pipeline's answer; aborting `signal` must abort the upstream request. */
export type Answer = (signal: AbortSignal) => Promise<Response>;

/** Hears the outcome; `status` is set when the cache answered without calling Answer. */
export type Report = (outcome: CacheOutcome, status?: number) => void;

export interface GatewayCache {
  serve(req: CacheRequest, answer: Answer, report?: Report): Promise<Response>;
  readonly store: CacheStore;
  close(): void;
}

// A store call slower than this counts as an outage for this request: answer uncached
// rather than make the client wait on the cache (Redis down or unreachable).
const STORE_TIMEOUT_MS = 250;

// The in-process hot tier (hot-tier.ts). Its age bounds how long this process may still serve
// an entry that was cleared or evicted elsewhere; 10 s keeps that short while a hot key
// costs one store read per 10 s instead of one per request.
const HOT_MAX_AGE_MS = 10_000;
const HOT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The tenant an entry belongs to. One namespace until client keys exist (then: the key's
 * id), unless the alias shares its answers across clients.
 */
export function namespaceFor(_headers: Headers, alias: AliasConfig | null): string {
  return alias?.shared ? "shared" : "default";
}

export function withTimeout<T>(p: Promise<T>, ms = STORE_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`cache store timed out after ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

export function gatewayCache(config: Config, store: CacheStore, onError: (err: unknown) => void = () => {}): GatewayCache {
  const flights = new Flights();
  const locks: FlightLocks | null = isFlightLocks(store) ? store : null;
  // At most half the store's cap, so what the store evicted for size (least recently used
  // first) is, in practice, no longer here either.
  const hot = new HotTier({ maxBytes: Math.min(HOT_MAX_BYTES, Math.floor(config.cache.maxBytes / 2)), maxAgeMs: HOT_MAX_AGE_MS, ttlMs: config.cache.ttlMs });
  /** An entry from the store, kept hot; one that cannot stay is served all the same. */
  const warm = (e: CacheEntry): HotEntry => hot.set(e) ?? { entry: e, final: finalTemplate(e), streams: [], bytes: 0, until: 0 };

  function label(res: Response, outcome: CacheOutcome, age = 0): Response {
    res.headers.set("x-wayfront-cache", outcome);
    res.headers.set("age", String(age));
    return res;
  }

  function hit(req: CacheRequest, h: HotEntry, outcome: CacheOutcome): Response {
    const entry = h.entry;
    const age = Math.max(0, Math.floor((Date.now() - entry.createdAt) / 1000));
    const common = { "x-wayfront-request-id": req.requestId, "x-wayfront-cache": outcome, age: String(age) };
    const model = req.body.model;
    const id = freshId(req.api);
    const text = !req.body.stream || req.onReplay ? h.final.render(id, model)[0]! : null;
    // The hook may keep what it gets: it gets its own copy, not the cached object.
    if (text !== null && req.onReplay) req.onReplay(JSON.parse(text));
    if (req.body.stream && req.api !== "embeddings") {
      const includeUsage = (req.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      return new Response(streamOfTexts(hot.stream(h, includeUsage).render(id, model)), { headers: { ...SSE_HEADERS, ...common } });
    }
    return new Response(text, { headers: { "content-type": "application/json", ...common } });
  }

  async function safeAnswer(answer: Answer, signal: AbortSignal, requestId: string): Promise<Response> {
    try {
      return await answer(signal);
    } catch (err) {
      return errorResponse(toGatewayError(err), { "x-wayfront-request-id": requestId });
    }
  }

  async function lead(req: CacheRequest, o: { key: string; flightKey: string; namespace: string; near: CacheEntry["near"]; answer: Answer }): Promise<Response> {
    const flight = flights.start(o.flightKey);
    const leader = flight.join(req.signal);
    const res = await safeAnswer(o.answer, flight.controller.signal, req.requestId);
    const headers = new Headers(res.headers);
    // Chunked from here on: the client must not see the end before the recorder does.
    headers.delete("content-length");
    if (!res.body) {
      flight.finish();
      flights.end(o.flightKey, flight);
      flight.resolve({ status: res.status, headers, tee: null });
      leader.release();
      return label(new Response(null, { status: res.status, headers }), "MISS");
    }
    const rec = recorder(req.api, res.status, headers.get("content-type") ?? "");
    const tee = teeBody(res.body, {
      onChunk: (c) => rec.push(c),
      onEnd: (end) => {
        flight.finish();
        flights.end(o.flightKey, flight);
        const recorded = end.ok && !req.unstorable?.() ? rec.finish() : null;
        if (recorded) {
          const entry: CacheEntry = { key: o.key, api: req.api, namespace: o.namespace, createdAt: Date.now(), ...recorded, near: o.near };
          // put() only queues (sqlite) or is in flight (redis): the response is not held up.
          store.put(entry).catch(onError);
          hot.set(entry);
        }
        void locks?.release(o.key, o.namespace).catch(() => {});
      },
    });
    flight.resolve({ status: res.status, headers, tee });
    return label(new Response(tee.branch(() => leader.release()), { status: res.status, headers }), "MISS");
  }

  async function follow(req: CacheRequest, flight: Flight, report: Report): Promise<Response> {
    const party = flight.join(req.signal);
    const head = await flight.head;
    report("COALESCED", head.status);
    const headers = new Headers(head.headers);
    headers.set("x-wayfront-request-id", req.requestId);
    if (!head.tee) {
      party.release();
      return label(new Response(null, { status: head.status, headers }), "COALESCED");
    }
    return label(new Response(head.tee.branch(() => party.release()), { status: head.status, headers }), "COALESCED");
  }

  async function serve(req: CacheRequest, answer: Answer, report: Report = () => {}): Promise<Response> {
    const bypass = async () => {
      report("BYPASS");
      return label(await safeAnswer(answer, req.signal, req.requestId), "BYPASS");
    };
    const alias = req.route.alias;
    const mode = alias?.cache ?? config.cache.mode;
    const d = cacheDecision({ mode, body: req.body, headers: req.headers, api: req.api });
    if (!d.read && !d.write) return bypass();
    const namespace = namespaceFor(req.headers, alias);
    const keyInput = { api: req.api, route: req.route.name, namespace, body: req.body };
    const key = cacheKey(keyInput);
    const nk = alias && alias.near >= 0 ? nearKey(keyInput) : null;
    const near = nk ? { nearKey: nk, simhash: simhash(nearText(req.api, req.body)) } : undefined;
    // Only same-shaped requests share a flight: a stream follower needs the leader's bytes
    // as a stream, a non-stream one the JSON. Converting mid-flight is left for later.
    const flightKey = `${namespace}\u0000${key}\u0000${req.body.stream ? "s" : "f"}`;
    if (d.read) {
      const h = hot.get(key, namespace);
      if (h) {
        store.noteHit?.(key, namespace);
        return report("HIT", 200), hit(req, h, "HIT");
      }
      try {
        const entry = await withTimeout(store.get(key, namespace));
        if (entry) return report("HIT", 200), hit(req, warm(entry), "HIT");
        if (near && alias) {
          const close = await withTimeout(store.getNear(near.nearKey, near.simhash, alias.near, namespace));
          if (close) return report("HIT-NEAR", 200), hit(req, warm(close), "HIT-NEAR");
        }
      } catch (err) {
        onError(err);
        return bypass();
      }
      const flight = flights.get(flightKey);
      if (flight) return follow(req, flight, report);
    }
    if (!d.write) {
      report(d.read ? "MISS" : "BYPASS");
      return label(await safeAnswer(answer, req.signal, req.requestId), d.read ? "MISS" : "BYPASS");
    }
    if (locks && d.read) {
      // Another instance may be generating this answer: wait for its entry, boundedly.
      const got = await locks.acquire(key, namespace).catch(() => true);
      if (!got) {
        const entry = await waitForEntry(store, locks, key, namespace, req.signal);
        if (entry) return report("COALESCED", 200), hit(req, warm(entry), "COALESCED");
        // A flight may have started here while we waited.
        const flight = flights.get(flightKey);
        if (flight) return follow(req, flight, report);
      }
    }
    report(d.read ? "MISS" : "BYPASS");
    const res = await lead(req, { key, flightKey, namespace, near, answer });
    if (!d.read) res.headers.set("x-wayfront-cache", "BYPASS");
    return res;
  }

  // What the server and tests see as the store: clearing or pruning it drops the hot tier too.
  const exposed: CacheStore = {
    get: (key, namespace) => store.get(key, namespace),
    getNear: (nk, sh, max, namespace) => store.getNear(nk, sh, max, namespace),
    put: (e) => store.put(e),
    stats: () => store.stats(),
    clear: () => (hot.clear(), store.clear()),
    prune: () => (hot.clear(), store.prune()),
    close: () => store.close(),
  };
  return { serve, store: exposed, close: () => (hot.clear(), store.close()) };
}
