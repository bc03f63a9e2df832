// How many upstream requests may be in flight at once. Bun's fetch (what reaches https://
// upstreams; plain-HTTP ones use the gateway's own connections, http1.ts) runs at most
// BUN_CONFIG_MAX_HTTP_REQUESTS at a time (256 by default; read once when the process starts,
// so it cannot be raised from inside) and queues the rest silently: with 1,000 streams open
// a new request would wait unseen for a free connection. So the gateway keeps its own global
// line just below Bun's limit — what waits is then decided by the busy policies and shows in
// /metrics — and says at start-up how to raise the limit when the config asks for more.

/** Bun's own default when the variable is unset. */
export const BUN_DEFAULT_MAX_HTTP_REQUESTS = 256;
export const BUN_MAX_HTTP_ENV = "BUN_CONFIG_MAX_HTTP_REQUESTS";
/** Kept free of requests for health probes, model lists and wake checks. */
const RESERVED_FOR_PROBES = 8;

/** What Bun's fetch allows in this process. */
export function bunFetchLimit(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env[BUN_MAX_HTTP_ENV]);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 65_535) : BUN_DEFAULT_MAX_HTTP_REQUESTS;
}

/** The global cap: the configured one, never above what Bun's fetch can carry at once. */
export function upstreamCap(configured: number, bunLimit: number): { cap: number; limitedByBun: boolean } {
  const room = Math.max(1, bunLimit - RESERVED_FOR_PROBES);
  return configured > room ? { cap: room, limitedByBun: true } : { cap: configured, limitedByBun: false };
}

/**
 * Whether an upstream is reached through Bun's fetch, the ones its limit binds: https:// ones,
 * and every one when a proxy variable is set (fetch honours them). Plain-HTTP upstreams go
 * over the gateway's own connections (http1.ts), which Bun's limit does not touch.
 */
export function reachedByFetch(baseUrl: string, env: Record<string, string | undefined> = process.env): boolean {
  const proxied = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"].some((k) => env[k]);
  return proxied || !baseUrl.startsWith("http://");
}

/** Bun's limit as it binds these upstreams: none when no upstream goes through fetch (demo ones make no request). */
export function fetchLimitFor(
  upstreams: readonly { baseUrl: string; demo?: boolean }[],
  env: Record<string, string | undefined> = process.env,
): number {
  return upstreams.some((u) => !u.demo && reachedByFetch(u.baseUrl, env)) ? bunFetchLimit(env) : Number.POSITIVE_INFINITY;
}
