// The cache backend's health, judged from its own calls: the first failure after a success is
// "down", the first success after a failure "up". Each caller still handles its own failure
// (a lookup answers uncached, a write is dropped); this only tells the operator, once per outage.
import type { CacheStore } from "./store.ts";
import { isFlightLocks, type FlightLocks } from "./flight-locks.ts";
import type { EventSink } from "../status/events.ts";

export interface Outage {
  failed(err: unknown): void;
  ok(): void;
}

export function watchStore(store: CacheStore, outage: Outage): CacheStore {
  const watched =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      f(...a).then(
        (r) => (outage.ok(), r),
        (err) => {
          outage.failed(err);
          throw err;
        },
      );
  const out: CacheStore = {
    get: watched((k: string, ns: string) => store.get(k, ns)),
    getNear: watched((nk: string, sh: bigint, max: number, ns: string) => store.getNear(nk, sh, max, ns)),
    // A put settles when it is queued or sent, not when it is written (sqlite writes on a later
    // turn and tells its own onError/onWritten): its success says nothing of the backend's.
    put: (e: Parameters<CacheStore["put"]>[0]) =>
      store.put(e).catch((err) => {
        outage.failed(err);
        throw err;
      }),
    stats: watched(() => store.stats()),
    clear: watched(() => store.clear()),
    prune: watched(() => store.prune()),
    close: () => store.close(),
    ...(store.noteHit ? { noteHit: (k: string, ns: string) => store.noteHit!(k, ns) } : {}),
  };
  if (!isFlightLocks(store)) return out;
  const locks: FlightLocks = {
    acquire: watched((k: string, ns: string) => store.acquire(k, ns)),
    release: watched((k: string, ns: string) => store.release(k, ns)),
    held: watched((k: string, ns: string) => store.held(k, ns)),
  };
  return Object.assign(out, locks);
}

/** An Outage that reports as events: "cache backend down" once, "cache backend back" once, with how long. */
export function cacheOutageEvents(events: EventSink, backend: string, now: () => number = Date.now): Outage {
  return outageEvents(now, {
    down: (reason) => events.emit({ type: "cache_down", backend, reason }),
    up: (s) => events.emit({ type: "cache_up", backend, down_for_s: s }),
  });
}

/**
 * The same for writes alone (the SQLite file's flushes): a full disk or a read-only data dir
 * fails every write while every lookup still works, so reads and writes are told apart, or
 * each request would say "down" then "back".
 */
export function cacheWriteEvents(events: EventSink, backend: string, now: () => number = Date.now): Outage {
  return outageEvents(now, {
    down: (reason) => events.emit({ type: "cache_writes_failing", backend, reason }),
    up: (s) => events.emit({ type: "cache_writes_back", backend, failing_for_s: s }),
  });
}

function outageEvents(now: () => number, tell: { down: (reason: string) => void; up: (seconds: number) => void }): Outage {
  let downAt: number | null = null;
  return {
    failed(err) {
      if (downAt !== null) return;
      downAt = now();
      tell.down((err as Error)?.message ?? String(err));
    },
    ok() {
      if (downAt === null) return;
      const s = Math.round((now() - downAt) / 1000);
      downAt = null;
      tell.up(s);
    },
  };
}
