// A small in-process tier in front of the store (SQLite or Redis): the entries this process
// stored or served most recently, each with its non-stream answer already serialised, so a
// repeated hit costs neither a store read nor a JSON parse + deep copy + stringify (those
// were most of a hit's CPU in `bench/scenarios/cache-hit.ts`).
//
// It is per process and short-lived on purpose: the store stays the source of truth, and
// this process cannot hear a `wayfront cache clear` run elsewhere or another instance's
// eviction. So an entry stays here at most `maxAgeMs` after it was loaded (then one store
// read refreshes it) and never past the entry's own TTL; `clear`/`prune` through the
// gateway's store drop the whole tier. Bounded by bytes (UTF-8 of what it holds), LRU.
// A hit here still counts as a hit in the store (CacheStore.noteHit). While Redis is down,
// entries already here keep answering (HIT) until they age out; everything else is BYPASS.

import type { CacheEntry } from "./store.ts";
import { finalTemplate, streamTemplate, type Template } from "./replay.ts";

export interface HotTierOptions {
  /** Upper bound of the UTF-8 bytes held (serialised answers + recorded stream payloads). */
  maxBytes: number;
  /** Longest an entry is served from here without looking at the store again. */
  maxAgeMs: number;
  /** The cache TTL: an entry older than this is never served. */
  ttlMs: number;
  now?: () => number;
}

export interface HotEntry {
  entry: CacheEntry;
  /** The non-stream answer with the id and model left as holes. */
  final: Template;
  /** SSE replays, made on first use: [without usage, with usage]. */
  streams: [Template?, Template?];
  bytes: number;
  /** Served from here until then (loadedAt + maxAgeMs, capped by createdAt + ttl). */
  until: number;
}

const slot = (namespace: string, key: string) => `${namespace}\u0000${key}`;

export class HotTier {
  // A Map iterates in insertion order: re-inserting on use makes the first key the LRU one.
  private readonly map = new Map<string, HotEntry>();
  private total = 0;
  private readonly now: () => number;

  constructor(private readonly o: HotTierOptions) {
    this.now = o.now ?? Date.now;
  }

  get(key: string, namespace: string): HotEntry | null {
    const s = slot(namespace, key);
    const h = this.map.get(s);
    if (!h) return null;
    this.map.delete(s);
    if (this.now() >= h.until) {
      this.total -= h.bytes;
      return null;
    }
    this.map.set(s, h);
    return h;
  }

  /** Keeps (or refreshes) an entry; returns it ready to serve, or null if it cannot stay. */
  set(entry: CacheEntry): HotEntry | null {
    const s = slot(entry.namespace, entry.key);
    this.drop(s);
    const until = Math.min(this.now() + this.o.maxAgeMs, entry.createdAt + this.o.ttlMs);
    const final = finalTemplate(entry);
    let bytes = final.bytes;
    for (const p of entry.stream ?? []) bytes += Buffer.byteLength(p);
    if (bytes > this.o.maxBytes || this.now() >= until) return null;
    const h: HotEntry = { entry, final, streams: [], bytes, until };
    this.map.set(s, h);
    this.total += bytes;
    this.evict();
    return h;
  }

  /** The entry's SSE replay; kept with it (and counted) while the entry is here. */
  stream(h: HotEntry, includeUsage: boolean): Template {
    const i = includeUsage ? 1 : 0;
    const have = h.streams[i];
    if (have) return have;
    const t = streamTemplate(h.entry, includeUsage);
    if (this.map.get(slot(h.entry.namespace, h.entry.key)) === h) {
      h.streams[i] = t;
      h.bytes += t.bytes;
      this.total += t.bytes;
      this.evict();
    }
    return t;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.map.size;
  }

  private evict(): void {
    for (const [k, v] of this.map) {
      if (this.total <= this.o.maxBytes) break;
      this.map.delete(k);
      this.total -= v.bytes;
    }
  }

  private drop(s: string): void {
    const old = this.map.get(s);
    if (!old) return;
    this.map.delete(s);
    this.total -= old.bytes;
  }
}
