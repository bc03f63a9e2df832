// What a config reload (SIGHUP) can change in a running gateway, and what needs a restart.
// Routes, aliases, upstreams, timeouts, limits and health settings are read per request
// and swap at once; the listen address, the data dir, the cache store and the log set-up
// are fixed when the process starts.
import type { Config } from "./resolve.ts";

const RESTART_ONLY: [label: string, pick: (c: Config) => unknown][] = [
  ["server.host", (c) => c.server.host],
  ["server.port", (c) => c.server.port],
  ["server.data_dir", (c) => c.server.dataDir],
  ["cache", (c) => ({ ...c.cache, redisUrl: c.cache.redisUrl?.reveal() })],
  ["responses", (c) => c.responses],
  ["log", (c) => c.log],
];

/** The settings that differ between two configs but only take effect after a restart. */
export function restartOnlyChanges(before: Config, after: Config): string[] {
  return RESTART_ONLY.filter(([, pick]) => JSON.stringify(pick(before)) !== JSON.stringify(pick(after))).map(([label]) => label);
}
