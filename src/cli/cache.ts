// `wayfront cache stats | clear | prune`: the configured store (SQLite in the data dir, or
// Redis), outside a running server. Safe while one runs: SQLite is in WAL mode with a busy
// timeout, and Redis is shared by design.
import type { Args } from "./args.ts";
import { UsageError } from "./args.ts";
import { configFromArgs } from "./load.ts";
import { dbPath, openCacheStore } from "../cache/open-store.ts";
import { existsSync } from "node:fs";

const ACTIONS = ["stats", "clear", "prune"] as const;

export async function cacheCommand(args: Args, out: (line: string) => void = console.log): Promise<number> {
  const action = args.rest[0];
  if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) {
    throw new UsageError(`cache needs one of: ${ACTIONS.join(", ")}${action ? ` (got ${action})` : ""}`);
  }
  const config = await configFromArgs(args, process.env);
  if (config.cache.backend === "memory") {
    out(`wayfront cache ${action}: the cache lives in the memory of the running gateway (cache.backend = "memory"); restarting it empties the cache`);
    return 1;
  }
  // Opening SQLite would create an empty database wherever the path points (a relative
  // data_dir read from another folder, a typo in --data-dir) and report "entries: 0".
  if (config.cache.backend === "sqlite" && !existsSync(dbPath(config))) {
    const missing = existsSync(config.server.dataDir) ? `has no cache database (${dbPath(config)})` : "does not exist";
    out(
      `wayfront cache ${action}: the data dir ${config.server.dataDir} ${missing}; ` +
        "pass the one `wayfront serve` uses, with --data-dir DIR or --config FILE",
    );
    return 1;
  }
  const store = openCacheStore(config);
  try {
    const where = config.cache.backend === "redis" ? "redis" : config.server.dataDir;
    if (action === "stats") {
      const s = await store.stats();
      const lookups = s.hits + s.misses;
      out(`backend: ${config.cache.backend} (${where})`);
      out(`entries: ${s.entries}`);
      out(`bytes:   ${s.bytes} of ${config.cache.maxBytes}`);
      out(`hits:    ${s.hits}  misses: ${s.misses}${lookups ? `  hit rate: ${((100 * s.hits) / lookups).toFixed(1)}%` : ""}`);
    } else if (action === "clear") {
      await store.clear();
      out(`cache cleared (${config.cache.backend}, ${where})`);
    } else {
      const removed = await store.prune();
      out(`pruned ${removed} entr${removed === 1 ? "y" : "ies"} (expired, then least recently used over the byte cap)`);
    }
    return 0;
  } catch (err) {
    out(`wayfront cache ${action}: the ${config.cache.backend} store is unavailable: ${(err as Error).message}`);
    return 1;
  } finally {
    store.close();
  }
}
