// Whether a request may be answered from the cache (read) and whether its answer may be
// recorded (write).

export type CacheMode = "deterministic" | "always" | "off";

export interface CacheDecision {
  read: boolean;
  write: boolean;
  reason: string;
}

// A client may force or skip the cache for one request (e.g. a "regenerate" button).
const CONTROL_HEADER = "x-wayfront-cache";

export function cacheDecision(opts: {
  mode: CacheMode;
  body: Record<string, unknown>;
  headers: Headers;
  /** The answer depends on the input alone (embeddings): always deterministic. */
  deterministic?: boolean;
}): CacheDecision {
  const control = opts.headers.get(CONTROL_HEADER)?.trim().toLowerCase();
  if (control === "skip") return { read: false, write: false, reason: "header-skip" };
  if (control !== "force") {
    if (opts.mode === "off") return { read: false, write: false, reason: "mode-off" };
    if (opts.mode === "deterministic" && !opts.deterministic && !isDeterministic(opts.body)) {
      return { read: false, write: false, reason: "not-deterministic" };
    }
  }
  // RFC 9111 §5.2.1: request no-cache = don't answer from a stored response without
  // revalidating (we can't revalidate, so: don't read); no-store = don't store this one.
  const cc = parseCacheControl(opts.headers.get("cache-control"));
  const read = !cc.has("no-cache");
  const write = !cc.has("no-store");
  const base = control === "force" ? "header-force" : `mode-${opts.mode}`;
  const reason = !read && !write ? "no-cache+no-store" : !read ? "no-cache" : !write ? "no-store" : base;
  return { read, write, reason };
}

/** Greedy sampling or a fixed seed: a repeat of the request may get the recorded answer. */
export function isDeterministic(body: Record<string, unknown>): boolean {
  if (body.seed !== undefined && body.seed !== null) return true;
  return body.temperature === 0;
}

function parseCacheControl(value: string | null): Set<string> {
  const out = new Set<string>();
  if (!value) return out;
  for (const d of value.split(",")) out.add(d.split("=")[0].trim().toLowerCase());
  return out;
}

// Whether a finished answer is complete enough to keep is the protocol's call (its row).
export { isCompleteChat } from "../protocol/api/chunks.ts";
export { isCompleteResponse } from "../protocol/api/responses.ts";
