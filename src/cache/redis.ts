// CacheStore on Redis via Bun's built-in client, shared by several gateway instances, plus
// the cross-instance coalescing locks (flight-locks.ts).
// - TTL: each entry is SET with PX, so Redis expires it; prune() has nothing left to do.
// - Size: entries larger than maxBytes are not stored; the total is bounded by the server's
//   own `maxmemory` + `maxmemory-policy volatile-lru`, which is what Redis is built for; a
//   client-side byte count across instances would race. volatile-, not allkeys-: client-key
//   records and spend totals share this Redis without a TTL, and must not be evicted
//   (db/redis-memory.ts warns at start-up otherwise).
// - Outage: every call has a short deadline; after a failure the store stays "down" for a
//   second (calls fail at once, no connection storm) and then tries to reconnect. The
//   gateway answers such requests uncached (BYPASS), never with an error.
// Keys: wf:e:<ns>:<key> (entry JSON), wf:n:<ns>:<nearKey> (hash key → simhash hex),
// wf:l:<ns>:<key> (lock), wf:stats (hash hits/misses).

import { redisConnection } from "../db/redis-connection.ts";
import { hamming } from "./simhash.ts";
import { hex64 } from "./canonical.ts";
import type { CacheEntry, CacheStats, CacheStore } from "./store.ts";
import type { FlightLocks } from "./flight-locks.ts";

export interface RedisStoreOptions {
  url: string;
  ttlMs: number;
  maxBytes: number;
  /** Per-command deadline. */
  timeoutMs?: number;
  /** How long an instance may hold a coalescing lock (its generation's upper bound). */
  lockMs?: number;
}

const SCAN_LIMIT = 100_000;

export function redisStore(opts: RedisStoreOptions): CacheStore & FlightLocks {
  const timeoutMs = opts.timeoutMs ?? 250;
  const lockMs = opts.lockMs ?? 30_000;
  const conn = redisConnection(opts.url, timeoutMs);
  const cmd = conn.cmd;
  const tokens = new Map<string, string>();

  const entryKey = (ns: string, key: string) => `wf:e:${ns}:${key}`;
  const nearIndex = (ns: string, nk: string) => `wf:n:${ns}:${nk}`;
  const lockKey = (ns: string, key: string) => `wf:l:${ns}:${key}`;

  const decode = (s: string | null): CacheEntry | null => {
    if (!s) return null;
    const e = JSON.parse(s);
    if (e.near) e.near = { nearKey: e.near.nearKey, simhash: BigInt(`0x${e.near.simhash}`) };
    return e as CacheEntry;
  };
  const count = (field: string) => cmd("HINCRBY", ["wf:stats", field, "1"]).catch(() => {});

  async function scanKeys(pattern: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = (await cmd("SCAN", [cursor, "MATCH", pattern, "COUNT", "1000"])) as [string, string[]];
      out.push(...keys);
      cursor = String(next);
    } while (cursor !== "0" && out.length < SCAN_LIMIT);
    return out;
  }

  return {
    async get(key, namespace) {
      const e = decode(await cmd("GET", [entryKey(namespace, key)]));
      void count(e ? "hits" : "misses");
      return e;
    },

    async getNear(nk, sh, maxDistance, namespace) {
      const all = (await cmd("HGETALL", [nearIndex(namespace, nk)])) as Record<string, string> | string[] | null;
      const pairs: [string, string][] = Array.isArray(all)
        ? all.flatMap((v, i) => (i % 2 === 0 ? [[v, all[i + 1]] as [string, string]] : []))
        : Object.entries(all ?? {});
      let best: { key: string; d: number } | null = null;
      for (const [key, hex] of pairs) {
        const d = hamming(BigInt(`0x${hex}`), sh);
        if (d <= maxDistance && (!best || d < best.d)) best = { key, d };
      }
      const found = best as { key: string; d: number } | null;
      return found ? this.get(found.key, namespace) : null;
    },

    noteHit() {
      // Entries expire from their creation (PX), so there is nothing to touch; only count.
      void count("hits");
    },

    async put(e) {
      // The entry's digest may still be unread (a getter, cache/key.ts): serialise after the
      // answer is on its way, not on its path.
      await new Promise((resolve) => setImmediate(resolve));
      const near = e.near ? { nearKey: e.near.nearKey, simhash: hex64(e.near.simhash) } : undefined;
      const json = JSON.stringify({ ...e, near });
      if (Buffer.byteLength(json) > opts.maxBytes) return;
      await cmd("SET", [entryKey(e.namespace, e.key), json, "PX", String(opts.ttlMs)]);
      if (near) {
        const idx = nearIndex(e.namespace, near.nearKey);
        await cmd("HSET", [idx, e.key, near.simhash]);
        await cmd("PEXPIRE", [idx, String(opts.ttlMs)]);
      }
    },

    async stats(): Promise<CacheStats> {
      const keys = await scanKeys("wf:e:*");
      let bytes = 0;
      for (const k of keys) bytes += Number(await cmd("STRLEN", [k]));
      const s = (await cmd("HGETALL", ["wf:stats"])) as Record<string, string> | null;
      return { entries: keys.length, bytes, hits: Number(s?.hits ?? 0), misses: Number(s?.misses ?? 0) };
    },

    async clear() {
      for (const k of await scanKeys("wf:*")) await cmd("DEL", [k]);
    },

    async prune() {
      return 0; // Redis expires entries itself (PX) and evicts under maxmemory
    },

    close() {
      conn.close();
    },

    async acquire(key, namespace) {
      const token = crypto.randomUUID();
      const ok = await cmd("SET", [lockKey(namespace, key), token, "NX", "PX", String(lockMs)]);
      if (ok !== "OK") return false;
      tokens.set(lockKey(namespace, key), token);
      return true;
    },

    async release(key, namespace) {
      const lk = lockKey(namespace, key);
      const token = tokens.get(lk);
      if (!token) return;
      tokens.delete(lk);
      // Delete only our own lock: it may have expired and been taken by another instance.
      await cmd("EVAL", ['if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0', "1", lk, token]);
    },

    async held(key, namespace) {
      return Number(await cmd("EXISTS", [lockKey(namespace, key)])) > 0;
    },
  };
}
