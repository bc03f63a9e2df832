// The configured cache backend, for the server and for `wayfront cache`.

import { join } from "node:path";
import type { Database } from "bun:sqlite";
import type { Config } from "../config/resolve.ts";
import { sqliteStore } from "./sqlite.ts";
import { redisStore } from "./redis.ts";
import type { CacheStore } from "./store.ts";
import type { DiskRoom } from "../db/disk-room.ts";

/** The one SQLite file in the data dir (shared with other tables). */
export function dbPath(config: Config): string {
  return join(config.server.dataDir, "wayfront.sqlite");
}

export function openCacheStore(
  config: Config,
  opts: { db?: Database; onError?: (err: unknown) => void; onWritten?: () => void; disk?: DiskRoom } = {},
): CacheStore {
  const c = config.cache;
  if (c.backend === "redis" && c.redisUrl) return redisStore({ url: c.redisUrl.reveal(), ttlMs: c.ttlMs, maxBytes: c.maxBytes });
  // The same store on bun:sqlite's in-memory database: identical semantics (TTL, LRU by bytes,
  // atomic entries), no file writes; keys and stored responses stay in the data dir's file.
  if (c.backend === "memory")
    return sqliteStore({ path: ":memory:", ttlMs: c.ttlMs, maxBytes: c.maxBytes, onError: opts.onError, onWritten: opts.onWritten });
  return sqliteStore({ path: dbPath(config), ttlMs: c.ttlMs, maxBytes: c.maxBytes, ...opts });
}
