// The prompt cache at the response level, as two questions the pipeline asks: `lookup`
// before going upstream (a hit to replay, a flight in progress to follow, or go — leading a
// flight when the answer may be kept), and, through the lead, `share` and `finish` once the
// answer is known. It never calls back into the pipeline and never touches the relay.
import type { AliasConfig, Config } from "../config/resolve.ts";
import type { ProtocolSpec } from "../protocol/apis.ts";
import { KeyMemo } from "./key-memo.ts";
import { cacheKey, type CacheKey, type KeyInput } from "./key.ts";
import { cacheDecision } from "./policy.ts";
import { nearKey, nearText } from "./near.ts";
import { simhash } from "./simhash.ts";
import { finalTemplate, freshId } from "./replay.ts";
import { assembleSpilled, isSpilled, recorder, type Recorded, type Recorder, type Recording } from "./record.ts";
import type { SpillDir } from "./spill.ts";
import { LateEntries } from "./late-entries.ts";
import { teeBody } from "./tee.ts";
import { Flights, type Flight, type Head, type Party } from "./coalesce.ts";
import type { CacheEntry, CacheStore } from "./store.ts";
import { isFlightLocks, waitForEntry, type FlightLocks } from "./flight-locks.ts";
import { HotTier, type HotEntry } from "./hot-tier.ts";

export type CacheOutcome = "HIT" | "MISS" | "BYPASS" | "COALESCED" | "HIT-NEAR";

export interface LookupRequest {
  spec: ProtocolSpec;
  /** The resolved route's name (the key's, never the raw client model) and alias. */
  route: { name: string; alias: AliasConfig | null };
  body: Record<string, unknown> & { model: string; stream: boolean };
  headers: Headers;
  signal: AbortSignal;
  /** The caller's namespace (its client key's); an alias with `shared = true` uses the common one. */
  namespace: string;
  /** The body's text as sent, which `body` was parsed from: a repeat of one seen before skips making its key (key-memo.ts). */
  text?: string;
}

/** A stored answer, ready to replay under a fresh id and the model the client asked for. */
export interface Hit {
  kind: "hit";
  outcome: "HIT" | "HIT-NEAR" | "COALESCED";
  /** Seconds since it was recorded (the Age header). */
  age: number;
  id: string;
  /** The stored answer this hit replays: the same object on every hit on it while it is loaded (a key for memos of what it says). */
  answer: object;
  /** The final object's JSON. */
  final(): string;
  /** The SSE replay, one text per event. */
  stream(includeUsage: boolean): string[];
}

/** An identical request is in flight here: read its answer from the first byte. */
export interface Follow {
  kind: "follow";
  head: Promise<Head>;
  party: Party;
}

/** Nothing stored: go upstream, leading a flight when the answer may be kept. */
export interface Go {
  kind: "go";
  outcome: "MISS" | "BYPASS";
  lead: Lead | null;
}

export type Lookup = Hit | Follow | Go;

export interface Lead {
  /** Aborts only when every party (the leader's client and any follower) has left. */
  readonly signal: AbortSignal;
  /** What records the answer for the cache, within the per-entry limit. */
  recorder(status: number): Recorder;
  /** The answer's head and body, for followers; returns the leader's own copy of the body. */
  share(status: number, headers: Headers, body: ReadableStream<Uint8Array> | string | null): ReadableStream<Uint8Array> | string | null;
  /** The answer is over: keep what was recorded (null: nothing to keep). */
  finish(recorded: Recording | null): void;
}

export interface ResponseCache {
  /** At once when the answer is known without waiting (a bypass, a hot hit); else a promise. */
  lookup(req: LookupRequest): Lookup | Promise<Lookup>;
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
const HOT_ENTRY_MAX_BYTES = 1024 * 1024;

// One entry at most this big (or half the cache): a bigger answer is relayed, not
// kept, and stops being held for the cache the moment it passes.
const MAX_ENTRY_BYTES = 8 * 1024 * 1024;

// The longest a cached answer's request digest waits to be taken (see finish()).
const DIGEST_BY_MS = 1_000;

// Identical requests arrive together (a retry, several agents started at once): followers join
// within the first moments of an answer, so only its first bytes stay shareable.
const SHARE_FROM_START_BYTES = 256 * 1024;

/** The tenant an entry belongs to: the caller's, unless the alias shares its answers across clients. */
export function namespaceFor(caller: string, alias: AliasConfig | null): string {
  return alias?.shared ? "shared" : caller;
}

export function withTimeout<T>(p: Promise<T>, ms = STORE_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`cache store timed out after ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const go = (outcome: Go["outcome"]): Go => ({ kind: "go", outcome, lead: null });

const slot = (namespace: string, key: string) => `${namespace}\u0000${key}`;

/**
 * The entry with its digest read when first asked (by the store's write or a later hit), so a
 * miss's answer is not held up by the hash. Built here, outside any request's scope: a getter
 * made inside one would keep that request (its signal, its streams) alive with the entry.
 */
function withDigest(e: Omit<CacheEntry, "digest">, digest: () => string): CacheEntry {
  return Object.defineProperty(e, "digest", { get: digest, enumerable: true });
}

export interface ResponseCacheOptions {
  onError?: (err: unknown) => void;
  /** The cache key (cache/key.ts); a test gives its own to make two requests collide. */
  keyOf?: (input: KeyInput) => CacheKey;
  /** Where large streams' events wait while they stream (cache/spill.ts); none: assembled in memory. */
  spill?: SpillDir;
}

export function responseCache(config: Config, store: CacheStore, opts: ResponseCacheOptions = {}): ResponseCache {
  const onError = opts.onError ?? (() => {});
  const keyOf = opts.keyOf ?? cacheKey;
  const memo = new KeyMemo();
  const spill = opts.spill;
  const late = new LateEntries();
  const flights = new Flights();
  // Each flight's request digest: a follower joins only the flight of its own request.
  const flightDigests = new WeakMap<Flight, CacheKey["digest"]>();
  const locks: FlightLocks | null = isFlightLocks(store) ? store : null;
  // At most half the store's cap, so what the store evicted for size (least recently used
  // first) is, in practice, no longer here either.
  const hot = new HotTier({
    maxBytes: Math.min(HOT_MAX_BYTES, Math.floor(config.cache.maxBytes / 2)),
    maxAgeMs: HOT_MAX_AGE_MS,
    ttlMs: config.cache.ttlMs,
  });
  /** An entry from the store, kept hot; one that cannot stay is served all the same. */
  const warm = (e: CacheEntry): HotEntry => hot.set(e) ?? { entry: e, final: finalTemplate(e), streams: [], bytes: 0, until: 0 };

  function hit(req: LookupRequest, h: HotEntry, outcome: Hit["outcome"]): Hit {
    const id = freshId(req.spec);
    const model = req.body.model;
    return {
      kind: "hit",
      outcome,
      age: Math.max(0, Math.floor((Date.now() - h.entry.createdAt) / 1000)),
      id,
      answer: h.entry,
      final: () => h.final.render(id, model)[0]!,
      stream: (includeUsage) => hot.stream(h, includeUsage).render(id, model),
    };
  }

  function follow(req: LookupRequest, flight: Flight): Follow {
    return { kind: "follow", head: flight.head, party: flight.join(req.signal) };
  }

  const entryLimit = Math.min(MAX_ENTRY_BYTES, Math.floor(config.cache.maxBytes / 2));

  /** Hands an entry to the store, and to the hot tier when small; resolves once the store took it. */
  function keep(entry: CacheEntry, bytes: number, digest: CacheKey["digest"]): Promise<void> {
    // put() only queues (sqlite) or is in flight (redis): the response is not held up.
    const put = store.put(entry).catch(onError);
    // A large answer is not worth a second, serialised copy in this process.
    if (bytes <= HOT_ENTRY_MAX_BYTES) hot.set(entry);
    // The store's write takes the digest in a moment. Should it skip the entry (a full
    // disk, an outage), the key would keep the request's long strings for as long as the
    // entry is hot: this bounds that. Not sooner: taken in the next turn, a 2 MiB
    // context's digest (~4 ms) met the client's next request and added to it (measured).
    setTimeout(digest, DIGEST_BY_MS).unref();
    return put;
  }

  function lead(req: LookupRequest, o: { key: CacheKey; flightKey: string; namespace: string; near: CacheEntry["near"] }): Lead {
    const flight = flights.start(o.flightKey);
    flightDigests.set(flight, o.key.digest);
    const leader = flight.join(req.signal);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      flight.finish();
      flights.end(o.flightKey, flight);
    };
    const release = () => void locks?.release(o.key.key, o.namespace).catch(() => {});
    const entryOf = (r: Recorded, createdAt: number) =>
      withDigest(
        { key: o.key.key, api: req.spec.api, namespace: o.namespace, createdAt, stream: r.stream, final: r.final, near: o.near },
        o.key.digest,
      );
    return {
      signal: flight.controller.signal,
      recorder: (status) => recorder(req.spec, status, entryLimit, spill),
      share(status, headers, body) {
        if (body === null || typeof body === "string") {
          end();
          flight.resolve({ status, headers, tee: null, text: body });
          leader.release();
          return body;
        }
        // Followers may join while the answer is young; past that it is no longer shared from
        // its first byte, nor held for readers who have read it (the recorder has its own copy).
        const tee = teeBody(body, { onEnd: end, maxRetainBytes: SHARE_FROM_START_BYTES, onSeal: () => flights.end(o.flightKey, flight) });
        flight.resolve({ status, headers, tee, text: null });
        return tee.branch(() => leader.release());
      },
      finish(recorded) {
        end();
        if (recorded && isSpilled(recorded)) {
          // Assembled once its turn comes (late-entries.ts); another instance waiting on this
          // flight's lock waits until the entry is stored.
          const createdAt = Date.now();
          const steps = (function* () {
            const r = yield* assembleSpilled(req.spec, recorded, entryLimit);
            return r ? entryOf(r, createdAt) : null;
          })();
          late.add(slot(o.namespace, o.key.key), {
            steps,
            store: (e) => keep(e, recorded.bytes, o.key.digest),
            done: release,
            discard: () => recorded.spilled.remove(),
          });
          return;
        }
        // The lock goes once the store has the entry: an instance waiting on it (flight-locks.ts)
        // that sees the lock gone before the entry is there takes it for a leader that failed
        // and goes upstream itself (the Redis store's write waits a turn before it is sent).
        if (recorded) void keep(entryOf(recorded, Date.now()), recorded.bytes, o.key.digest).finally(release);
        else release();
      },
    };
  }

  function lookup(req: LookupRequest): Lookup | Promise<Lookup> {
    const alias = req.route.alias;
    const mode = alias?.cache ?? config.cache.mode;
    const d = cacheDecision({ mode, body: req.body, headers: req.headers, deterministic: req.spec.deterministic });
    if (!d.read && !d.write) return go("BYPASS");
    const namespace = namespaceFor(req.namespace, alias);
    const keyInput = { api: req.spec.api, route: req.route.name, namespace, body: req.body };
    const k =
      req.text === undefined
        ? keyOf(keyInput)
        : memo.keyOf(`${keyInput.api}\u0000${keyInput.route}\u0000${namespace}`, req.text, () => keyOf(keyInput));
    const key = k.key;
    // What the fast key found is this request's only if its digest says so (cache/key.ts).
    const mine = (e: CacheEntry) => e.digest === k.digest();
    const ownFlight = (f: Flight | undefined) => (f && flightDigests.get(f)?.() === k.digest() ? f : undefined);
    const nk = alias && alias.near >= 0 ? nearKey(keyInput) : null;
    const near = nk ? { nearKey: nk, simhash: simhash(nearText(req.spec.api, req.body)) } : undefined;
    // Only same-shaped requests share a flight: a stream follower needs the leader's bytes
    // as a stream, a non-stream one the JSON. Converting mid-flight is left for later.
    const flightKey = `${namespace}\u0000${key}\u0000${req.body.stream ? "s" : "f"}`;
    if (d.read) {
      const h = hot.get(key, namespace);
      if (h && mine(h.entry)) {
        store.noteHit?.(key, namespace);
        return hit(req, h, "HIT");
      }
    }
    // What needs waiting (an entry being assembled, the store, another instance's lock): a
    // continuation of its own, so a bypass and a hot hit never make an async frame.
    const settle = async (): Promise<Lookup> => {
      if (d.read) {
        const waiting = late.get(slot(namespace, key));
        if (waiting) {
          const e = await waiting;
          if (e && mine(e)) return hit(req, warm(e), "HIT");
        }
        try {
          const entry = await withTimeout(store.get(key, namespace));
          if (entry && mine(entry)) return hit(req, warm(entry), "HIT");
          if (near && alias) {
            const close = await withTimeout(store.getNear(near.nearKey, near.simhash, alias.near, namespace));
            if (close) return hit(req, warm(close), "HIT-NEAR");
          }
        } catch (err) {
          onError(err);
          return go("BYPASS");
        }
        const flight = ownFlight(flights.get(flightKey));
        if (flight) return follow(req, flight);
      }
      if (!d.write) return go(d.read ? "MISS" : "BYPASS");
      if (locks && d.read) {
        // Another instance may be generating this answer: wait for its entry, boundedly.
        const got = await locks.acquire(key, namespace).catch(() => true);
        if (!got) {
          const entry = await waitForEntry(store, locks, key, namespace, req.signal);
          if (entry && mine(entry)) return hit(req, warm(entry), "COALESCED");
          // A flight may have started here while we waited.
          const flight = ownFlight(flights.get(flightKey));
          if (flight) return follow(req, flight);
        }
      }
      return { kind: "go", outcome: d.read ? "MISS" : "BYPASS", lead: lead(req, { key: k, flightKey, namespace, near }) };
    };
    return settle();
  }

  // What the server and tests see as the store: clearing or pruning it drops the hot tier too.
  const exposed: CacheStore = {
    get: (key, namespace) => store.get(key, namespace),
    getNear: (nk, sh, max, namespace) => store.getNear(nk, sh, max, namespace),
    put: (e) => store.put(e),
    stats: () => store.stats(),
    clear: () => (hot.clear(), late.clear(), store.clear()),
    prune: () => (hot.clear(), store.prune()),
    close: () => (late.drain(), store.close()),
  };
  // Answers still waiting to be assembled are stored before the store closes.
  return { lookup, store: exposed, close: () => (late.drain(), hot.clear(), store.close()) };
}
