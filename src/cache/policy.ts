// Whether a request may be answered from the cache (read) and whether its answer may be
// recorded (write), and whether a finished answer is complete enough to keep.

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
  /** Embeddings are a pure function of their input: always deterministic. */
  api?: "chat" | "responses" | "completions" | "embeddings";
}): CacheDecision {
  const control = opts.headers.get(CONTROL_HEADER)?.trim().toLowerCase();
  if (control === "skip") return { read: false, write: false, reason: "header-skip" };
  if (control !== "force") {
    if (opts.mode === "off") return { read: false, write: false, reason: "mode-off" };
    if (opts.mode === "deterministic" && opts.api !== "embeddings" && !isDeterministic(opts.body)) {
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

// "stop" and "tool_calls" (and the legacy "function_call") end a whole answer. "length" is an
// answer cut at max_tokens: kept only when the caller opts in, since a retry with the same
// limit would be cut the same way but a stored truncation is rarely what anyone wants.
// "content_filter" and null (stream died) are never stored.
const COMPLETE_FINISH = new Set(["stop", "tool_calls", "function_call"]);

export function isCompleteChat(final: unknown, opts: { allowLength?: boolean } = {}): boolean {
  if (final === null || typeof final !== "object") return false;
  const choices = (final as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  return choices.every((c) => {
    const reason = (c as { finish_reason?: unknown } | null)?.finish_reason;
    return typeof reason === "string" && (COMPLETE_FINISH.has(reason) || (reason === "length" && !!opts.allowLength));
  });
}

/** Responses: only `completed` (not `incomplete`, `failed`, `cancelled`, `in_progress`). */
export function isCompleteResponse(final: unknown): boolean {
  return final !== null && typeof final === "object" && (final as { status?: unknown }).status === "completed";
}
