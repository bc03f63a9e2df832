// What a config reload (SIGHUP) can change in a running gateway, and what needs a restart.
// Routes, aliases, upstreams, timeouts, limits and health settings are read per request
// and swap at once; the listen address, the data dir, the cache store and the log set-up
// are fixed when the process starts. A config with no upstreams (an empty or truncated
// file, a save caught half-way) is refused: it would drop every upstream and alias at once.
import { ConfigError } from "./load.ts";
import type { Config } from "./resolve.ts";

const RESTART_ONLY: [label: string, pick: (c: Config) => unknown][] = [
  ["server.host", (c) => c.server.host],
  ["server.port", (c) => c.server.port],
  ["server.data_dir", (c) => c.server.dataDir],
  ["server.reuse_port", (c) => c.server.reusePort],
  ["server.tls", (c) => c.server.tls],
  ["auth.keys", (c) => c.auth.staticKeys.map((k) => ({ ...k, key: k.key.reveal() }))],
  ["cache", (c) => ({ ...c.cache, redisUrl: c.cache.redisUrl?.reveal() })],
  ["responses", (c) => c.responses],
  ["log", (c) => c.log],
];

/** Why this config serves nothing (it declares no upstream), or null. The --demo model doesn't count. */
export function noUpstreamsProblem(c: Config): string | null {
  if (c.upstreams.some((u) => !u.demo)) return null;
  return `${c.source} declares no [[upstream]] (is the file empty or cut short?)`;
}

/** Throws (a ConfigError, like a file that doesn't validate) when `next` must not replace the running config. */
export function refuseReload(next: Config): void {
  const problem = noUpstreamsProblem(next);
  if (problem) throw new ConfigError(`${problem}; a reload would drop every upstream and alias`);
}

/** The settings that differ between two configs but only take effect after a restart. */
export function restartOnlyChanges(before: Config, after: Config): string[] {
  return RESTART_ONLY.filter(([, pick]) => JSON.stringify(pick(before)) !== JSON.stringify(pick(after))).map(([label]) => label);
}
