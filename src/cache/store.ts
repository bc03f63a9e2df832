// What any cache backend (SQLite now, Redis later) offers the gateway.

import type { Api } from "../protocol/apis.ts";

export interface CacheEntry {
  key: string;
  /**
   * SHA-256 of the request's canonical form (cache/key.ts): an entry is served only to a
   * request with the same digest. Absent on entries of other origins, which then never hit.
   * May be a getter, computed when first read (by the store's write, off the answer's path).
   */
  digest?: string;
  api: Api;
  namespace: string;
  /** ms since the epoch */
  createdAt: number;
  /** Recorded SSE data payloads in order, or null if recorded from a non-stream answer. */
  stream: string[] | null;
  /** The assembled final object (chat.completion, response, …). */
  final: unknown;
  near?: { nearKey: string; simhash: bigint };
}

export interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

export interface CacheStore {
  get(key: string, namespace: string): Promise<CacheEntry | null>;
  /** The closest live entry with this near key within maxDistance bits, or null. */
  getNear(nearKey: string, simhash: bigint, maxDistance: number, namespace: string): Promise<CacheEntry | null>;
  /** May return before the entry is durable; get() in this process sees it at once. */
  put(e: CacheEntry): Promise<void>;
  /**
   * A hit answered by a tier above the store (hot-tier.ts) for an entry this store holds:
   * count it and mark the entry used, as get() would have. Never throws, never waits.
   */
  noteHit?(key: string, namespace: string): void;
  stats(): Promise<CacheStats>;
  clear(): Promise<void>;
  /** Removes expired entries, then least recently used ones while over the byte cap. */
  prune(): Promise<number>;
  close(): void;
}
