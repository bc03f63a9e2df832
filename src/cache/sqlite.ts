// CacheStore on the shared SQLite file.
// - Atomic visibility: an entry is one row written inside a transaction, so a reader (or a
//   process restarted after SIGKILL) sees the whole entry or nothing.
// - Off the response path: put() queues; a timer-scheduled flush writes the queue in one
//   transaction. get() looks at the queue first, so this process sees its own puts at once.
// - TTL on read (expired rows are never served) and in prune(); LRU by bytes at flush time.
//   Hits only touch last_used in memory; the touch is written with the next flush.

import type { Database } from "bun:sqlite";
import { openDb } from "../db/open.ts";
import { hamming } from "./simhash.ts";
import { hex64 } from "./canonical.ts";
import type { CacheEntry, CacheStats, CacheStore } from "./store.ts";
import { UNBOUNDED_ROOM, type DiskRoom, freePageBytes } from "../db/disk-room.ts";

export interface SqliteStoreOptions {
  path: string;
  ttlMs: number;
  maxBytes: number;
  now?: () => number;
  /** A database already opened with openDb (shared with other tables); not closed by close(). */
  db?: Database;
  /** A failed flush loses the queued entries (it is a cache); this hears about it. */
  onError?: (err: unknown) => void;
  /** A flush that wrote entries committed (after onError, the writes work again). */
  onWritten?: () => void;
  /** How much more the file may take of its disk (db/disk-room.ts); unbounded when not given. */
  disk?: DiskRoom;
}

interface Row {
  namespace: string;
  key: string;
  api: string;
  created_at: number;
  final: string;
  stream: string | null;
  near_key: string | null;
  simhash: string | null;
  digest: string | null;
}

// Candidates checked per near lookup: the near key already matched exactly, so this only
// bounds work when one prompt template has very many prose variants.
const NEAR_CANDIDATES = 64;

const EVICT_PAGE = 64;

const ENTRIES_PER_TURN = 4;
// 200 answers of 2 MiB written 4 a turn held the loop up to 80 ms a turn, for seconds after the burst.
const BYTES_PER_TURN = 1024 * 1024;

// Hit bookkeeping alone (counters, last_used) waits this long before it is written: flushing
// it every event-loop turn cost a transaction per turn under a stream of hits (the cache-hit
// bench profile). A put still flushes on the next turn and takes the waiting bookkeeping
// with it, so LRU order is current whenever eviction runs; stats() and close() flush first.
const BOOKKEEPING_DELAY_MS = 1000;

/** Run at every flush: both must read only the (last_used, bytes) index, never the answers (migrations.ts v6). */
export const SIZE_SQL = {
  total: "SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM cache_entries",
  lru: "SELECT namespace, key, bytes FROM cache_entries ORDER BY last_used ASC LIMIT ?",
};

const id = (namespace: string, key: string) => `${namespace}\u0000${key}`;

export function sqliteStore(opts: SqliteStoreOptions): CacheStore {
  const db = opts.db ?? openDb(opts.path);
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? ((err) => console.warn("wayfront cache: flush failed:", err));
  const disk = opts.disk ?? UNBOUNDED_ROOM;
  const pending = new Map<string, CacheEntry>();
  const touches = new Map<string, { namespace: string; key: string; at: number }>();
  let hits = 0;
  let misses = 0;
  let scheduled: { timer: ReturnType<typeof setTimeout>; done: Promise<void>; resolve: () => void; soon: boolean } | null = null;

  const q = {
    get: db.query<Row, [string, string, number]>("SELECT * FROM cache_entries WHERE namespace = ? AND key = ? AND created_at > ?"),
    near: db.query<{ key: string; simhash: string }, [string, string, number, number]>(
      `SELECT key, simhash FROM cache_entries WHERE namespace = ? AND near_key = ? AND created_at > ?
       ORDER BY last_used DESC LIMIT ?`,
    ),
    put: db.query(
      `INSERT OR REPLACE INTO cache_entries
       (namespace, key, api, created_at, last_used, final, stream, near_key, simhash, bytes, digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    touch: db.query("UPDATE cache_entries SET last_used = max(last_used, ?) WHERE namespace = ? AND key = ?"),
    count: db.query("INSERT INTO cache_counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value"),
    total: db.query<{ n: number; b: number }, []>(SIZE_SQL.total),
    lru: db.query<{ namespace: string; key: string; bytes: number }, [number]>(SIZE_SQL.lru),
    del: db.query("DELETE FROM cache_entries WHERE namespace = ? AND key = ?"),
    expire: db.query("DELETE FROM cache_entries WHERE created_at <= ?"),
    version: db.query<{ data_version: number }, []>("PRAGMA data_version"),
  };

  const live = (createdAt: number) => createdAt > now() - opts.ttlMs;

  // The file's total size, known without reading it at every flush (that was O(entries) per
  // answer recorded): counted once, then kept up by what this connection writes (an upper
  // bound: a replaced row counts twice). It is counted again when the estimate would pass the
  // cap, and when another connection (another process on the same file, the CLI) committed
  // since this one last looked: SQLite's data_version changes exactly then.
  let estimate: number | null = null;
  let seenVersion = -1;
  const otherWrote = (): boolean => {
    const v = q.version.get()!.data_version;
    const changed = v !== seenVersion;
    seenVersion = v;
    return changed;
  };

  // `added`: bytes this transaction has just inserted. The cap is max_bytes, or less when the
  // disk is nearly full: then the entries may take what the disk can spare and the free pages
  // already in the file, and once neither is left new answers take the place of the least
  // recently used ones (whose pages are reused). Deleting rows gives no disk back, so a disk
  // filled by something else never makes the cache evict below what it already holds.
  const evictOverCap = (added: number): number => {
    const room = Math.max(0, disk.room());
    if (!otherWrote() && estimate !== null && estimate + added <= opts.maxBytes && added <= room) {
      estimate += added;
      return 0;
    }
    let { b: total } = q.total.get()!;
    // Counted after the insert, so what it took from the free pages is not counted twice; that
    // errs on the side of evicting a little early.
    const slack = room === Number.POSITIVE_INFINITY ? room : room + freePageBytes(db);
    const cap = Math.min(opts.maxBytes, Math.max(0, total - added) + slack);
    let removed = 0;
    // Pages rather than one cursor, so no scan is open while its rows are deleted.
    while (total > cap) {
      const page = q.lru.all(EVICT_PAGE);
      if (page.length === 0) break;
      for (const row of page) {
        if (total <= cap) break;
        q.del.run(row.namespace, row.key);
        total -= row.bytes;
        removed++;
      }
    }
    estimate = total;
    return removed;
  };

  /** An entry as its row will hold it (serialised before the transaction, to size the turn). */
  type Serialized = { e: CacheEntry; final: string; stream: string | null; bytes: number };
  const serialize = (e: CacheEntry): Serialized => {
    const final = JSON.stringify(e.final);
    const stream = e.stream === null ? null : JSON.stringify(e.stream);
    return { e, final, stream, bytes: Buffer.byteLength(final) + (stream === null ? 0 : Buffer.byteLength(stream)) };
  };

  const writeBatch = db.transaction((rows: Serialized[], touched: typeof touches, h: number, m: number) => {
    let added = 0;
    for (const { e, final, stream, bytes } of rows) {
      if (bytes > opts.maxBytes) continue; // would evict everything else and still not fit
      const simhash = e.near ? hex64(e.near.simhash) : null;
      q.put.run(e.namespace, e.key, e.api, e.createdAt, now(), final, stream, e.near?.nearKey ?? null, simhash, bytes, e.digest ?? null);
      added += bytes;
    }
    for (const t of touched.values()) q.touch.run(t.at, t.namespace, t.key);
    if (h) q.count.run("hits", h);
    if (m) q.count.run("misses", m);
    evictOverCap(added);
    if (added) disk.spent(added);
  });

  /** `all`: write everything now (stats, close); otherwise a few entries and the rest next turn. */
  function flushNow(all = false): void {
    const s = scheduled;
    scheduled = null;
    if (s) clearTimeout(s.timer);
    if (pending.size || touches.size || hits || misses) {
      // A few entries and about a megabyte per turn (one entry at least): a burst of large
      // answers must not hold the event loop (and every other request) for one long
      // transaction. The rest waits its own turn.
      const rows: Serialized[] = [];
      let size = 0;
      for (const [k, e] of pending) {
        if (!all && (rows.length >= ENTRIES_PER_TURN || size >= BYTES_PER_TURN)) break;
        pending.delete(k);
        let row: Serialized;
        try {
          row = serialize(e);
        } catch (err) {
          onError(err); // as a failed write: it is a cache, the entry is dropped
          continue;
        }
        rows.push(row);
        size += row.bytes;
      }
      const touched = new Map(touches);
      const [h, m] = [hits, misses];
      touches.clear();
      hits = misses = 0;
      try {
        writeBatch(rows, touched, h, m);
        if (rows.length) opts.onWritten?.();
      } catch (err) {
        onError(err);
      }
      if (pending.size && s) {
        // Whoever waits on this flush (a put's promise) waits for the rest too.
        scheduled = s;
        s.timer = setTimeout(() => flushNow(), 0);
        return;
      }
    }
    s?.resolve();
  }

  /** soon: entries to write (next turn); otherwise bookkeeping only (BOOKKEEPING_DELAY_MS). */
  function schedule(soon: boolean): Promise<void> {
    // A timer, not a microtask: the response in flight finishes before we write.
    const timer = () => {
      const t = setTimeout(() => flushNow(), soon ? 0 : BOOKKEEPING_DELAY_MS);
      // Bookkeeping alone must not keep a short-lived process (the CLI) alive; close() flushes.
      if (!soon) t.unref?.();
      return t;
    };
    if (!scheduled) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      scheduled = { timer: timer(), done, resolve, soon };
    } else if (soon && !scheduled.soon) {
      clearTimeout(scheduled.timer);
      scheduled.timer = timer();
      scheduled.soon = true;
    }
    return scheduled.done;
  }

  function fromRow(r: Row): CacheEntry {
    const entry: CacheEntry = {
      key: r.key,
      api: r.api as CacheEntry["api"],
      namespace: r.namespace,
      createdAt: r.created_at,
      stream: r.stream === null ? null : (JSON.parse(r.stream) as string[]),
      final: JSON.parse(r.final),
    };
    if (r.digest !== null) entry.digest = r.digest;
    if (r.near_key !== null && r.simhash !== null) entry.near = { nearKey: r.near_key, simhash: BigInt(`0x${r.simhash}`) };
    return entry;
  }

  function lookup(key: string, namespace: string): CacheEntry | null {
    const queued = pending.get(id(namespace, key));
    if (queued) return live(queued.createdAt) ? queued : null;
    const row = q.get.get(namespace, key, now() - opts.ttlMs);
    return row ? fromRow(row) : null;
  }

  function hit(e: CacheEntry): CacheEntry {
    hits++;
    touches.set(id(e.namespace, e.key), { namespace: e.namespace, key: e.key, at: now() });
    schedule(false);
    return e;
  }

  return {
    async get(key, namespace) {
      const e = lookup(key, namespace);
      if (e) return hit(e);
      misses++;
      schedule(false);
      return null;
    },

    async getNear(nearKey, simhash, maxDistance, namespace) {
      let best: { key: string; d: number } | null = null;
      const consider = (key: string, h: bigint) => {
        const d = hamming(h, simhash);
        if (d <= maxDistance && (!best || d < best.d)) best = { key, d };
      };
      for (const e of pending.values()) {
        if (e.namespace === namespace && e.near?.nearKey === nearKey && live(e.createdAt)) consider(e.key, e.near.simhash);
      }
      for (const r of q.near.all(namespace, nearKey, now() - opts.ttlMs, NEAR_CANDIDATES)) {
        consider(r.key, BigInt(`0x${r.simhash}`));
      }
      const found = best as { key: string; d: number } | null;
      const e = found ? lookup(found.key, namespace) : null;
      return e ? hit(e) : null;
    },

    noteHit(key, namespace) {
      hits++;
      touches.set(id(namespace, key), { namespace, key, at: now() });
      schedule(false);
    },

    put(e) {
      pending.set(id(e.namespace, e.key), e);
      return schedule(true);
    },

    async stats(): Promise<CacheStats> {
      flushNow(true);
      const { n, b } = q.total.get()!;
      const counters = db.query<{ name: string; value: number }, []>("SELECT name, value FROM cache_counters").all();
      const c = Object.fromEntries(counters.map((r) => [r.name, r.value]));
      return { entries: n, bytes: b, hits: c.hits ?? 0, misses: c.misses ?? 0 };
    },

    async clear() {
      pending.clear();
      touches.clear();
      hits = misses = 0;
      estimate = 0;
      db.transaction(() => {
        db.exec("DELETE FROM cache_entries");
        db.exec("DELETE FROM cache_counters");
      })();
    },

    async prune() {
      flushNow(true);
      estimate = null; // a full count after what expired
      return db.transaction(() => q.expire.run(now() - opts.ttlMs).changes + evictOverCap(0))();
    },

    close() {
      flushNow(true);
      if (!opts.db) db.close();
    },
  };
}
