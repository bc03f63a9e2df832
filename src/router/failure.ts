// The one place that decides what a failed attempt means for routing:
//   "next"     → try the next candidate target (the failure is this upstream's),
//   "terminal" → stop and answer the client (another upstream would say the same,
//                or nobody is waiting any more),
// plus whether the breaker counts it and how long to park the upstream (Retry-After).
//
// classify() is only meaningful before the response is committed to the client (no
// byte relayed yet); after that, the relay ends the stream with an error event instead.

export type FailureKind =
  | "connect" // connection refused / unreachable
  | "dns"
  | "tls"
  | "timeout-connect"
  | "timeout-first-byte" // no response headers in time
  | "timeout-first-token" // headers came, but no content in time (stalled model load)
  | "deadline" // the request's total deadline ran out (see deadline.ts)
  | "status" // the upstream answered with a non-2xx status
  | "aborted" // the client went away
  | "reset"; // socket closed before the response started

export interface Failure {
  kind: FailureKind;
  status?: number;
  /** The Retry-After header as received. */
  retryAfter?: string | null;
  /** OpenAI's non-standard `retry-after-ms` header, which openai-node honours first. */
  retryAfterMs?: string | null;
  /** The start of the error body (a few KB is plenty), used to spot model-not-found. */
  body?: string;
}

export interface Verdict {
  action: "next" | "terminal";
  /** Park the upstream this long (Breaker.coolDown), independent of failure counting. */
  coolDownMs?: number;
  /** Whether the breaker should record this as a failure of the upstream. */
  countsAsFailure: boolean;
  reason: string;
}

/** Used when a 429 carries no usable Retry-After: long enough to shed a burst. */
export const DEFAULT_RATE_LIMIT_COOL_DOWN_MS = 5_000;
/** Cap on any upstream-requested cool-down, so a bogus header cannot park it for days. */
export const MAX_COOL_DOWN_MS = 10 * 60_000;

const next = (reason: string, countsAsFailure = true): Verdict => ({ action: "next", countsAsFailure, reason });
const terminal = (reason: string): Verdict => ({ action: "terminal", countsAsFailure: false, reason });

export function classify(f: Failure, now: () => number = Date.now): Verdict {
  switch (f.kind) {
    // Transport failures happen before the upstream saw the request, so repeating it
    // elsewhere is always safe, and they say the upstream is down or misconfigured.
    case "connect":
      return next("connection refused");
    case "dns":
      return next("DNS lookup failed");
    case "tls":
      return next("TLS handshake failed");
    case "timeout-connect":
      return next("connect timeout");
    // A local server that is swapping models (llama-swap, Ollama) can hold the request
    // for a long time before the first byte/token; another target answers sooner.
    case "timeout-first-byte":
      return next("no response headers before the first-byte timeout");
    case "timeout-first-token":
      return next("no content before the first-token timeout");
    case "reset":
      return next("connection reset before the response started");
    // No time left for another attempt; a long request is not evidence the upstream is sick.
    case "deadline":
      return terminal("request deadline exceeded");
    // Nobody is waiting for the answer; the upstream did nothing wrong.
    case "aborted":
      return terminal("client aborted");
    case "status":
      return classifyStatus(f, now());
  }
}

function classifyStatus(f: Failure, nowMs: number): Verdict {
  const status = f.status ?? 0;
  if (status === 429) {
    // Rate limited: the upstream is healthy but busy for us, so cool it down for as long
    // as it asks (RFC 6585 §4, RFC 9110 §10.2.3) without counting a failure.
    const ms = retryDelayMs(f, nowMs) ?? DEFAULT_RATE_LIMIT_COOL_DOWN_MS;
    return { action: "next", coolDownMs: ms, countsAsFailure: false, reason: "rate limited (429)" };
  }
  if (status >= 500) {
    // 503 with Retry-After says how long the service expects to be unavailable
    // (RFC 9110 §15.6.4); honour it on top of the failure count.
    const v = next(`upstream error (${status})`);
    const ms = status === 503 ? retryDelayMs(f, nowMs) : undefined;
    if (ms !== undefined) v.coolDownMs = ms;
    return v;
  }
  // openai-node retries 408 (request timeout) and 409 (lock timeout) along with 429 and
  // 5xx (its `shouldRetry`): they are transient, not a verdict on the request itself.
  if (status === 408) return next("upstream request timeout (408)");
  if (status === 409) return next("upstream conflict (409)", false);
  // Wayfront holds the upstream's credentials, not the client: a 401/403 means *our* key
  // for this upstream is wrong or lacks access, and another upstream may well accept.
  // (Deliberately differs from "all other 4xx are terminal"; it is a config fault.)
  if (status === 401 || status === 403) return next(`upstream rejected our credentials (${status})`);
  if (status === 404 && isModelNotFound(f.body)) return next("model not found on this upstream", false);
  // A local model with a small context refuses a long prompt that a cloud model accepts;
  // the request is not wrong, it just does not fit here.
  if (status === 400 && isContextOverflow(f.body)) return next("prompt exceeds this upstream's context", false);
  if (status >= 400) return terminal(`upstream rejected the request (${status})`);
  // A 3xx (upstream/client.ts does not follow redirects, to keep our key on its host) or
  // 1xx here means a misconfigured base URL.
  return next(`unexpected upstream status (${status})`);
}

// OpenAI: 404 {"error":{"code":"model_not_found",...}}; vLLM: 404 "The model `x` does not
// exist."; Ollama: 404 {"error":"model \"x\" not found, try pulling it first"}.
const MODEL_NOT_FOUND = /model_not_found|model\b[\s\S]{0,200}?\b(not found|does not exist)/i;

function isModelNotFound(body: string | undefined): boolean {
  return body !== undefined && MODEL_NOT_FOUND.test(body.slice(0, 4096));
}

// OpenAI: code "context_length_exceeded"; vLLM: "This model's maximum context length is N
// tokens"; llama.cpp server: type "exceed_context_size_error" / "exceeds the available
// context size".
const CONTEXT_OVERFLOW = /context_length_exceeded|exceed_context_size|maximum context length|exceeds the available context/i;

function isContextOverflow(body: string | undefined): boolean {
  return body !== undefined && CONTEXT_OVERFLOW.test(body.slice(0, 4096));
}

function retryDelayMs(f: Failure, nowMs: number): number | undefined {
  const ms = f.retryAfterMs != null ? parseRetryAfterMs(f.retryAfterMs) : undefined;
  const delay = ms ?? (f.retryAfter != null ? parseRetryAfter(f.retryAfter, nowMs) : undefined);
  return delay === undefined ? undefined : Math.min(delay, MAX_COOL_DOWN_MS);
}

function parseRetryAfterMs(value: string): number | undefined {
  const n = Number(value.trim());
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n) : undefined;
}

/**
 * Retry-After = HTTP-date / delay-seconds (RFC 9110 §10.2.3). Returns milliseconds from
 * `nowMs`, 0 for a date in the past, undefined when the value is neither form.
 */
export function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // HTTP-date is IMF-fixdate, or obsolete RFC 850 / asctime forms (RFC 9110 §5.6.7);
  // Date.parse accepts all three. Require a letter so bare junk like "1.5" is rejected.
  if (!/[a-z]/i.test(v)) return undefined;
  // HTTP dates are always GMT, but asctime carries no zone and Date.parse would read it
  // as local time.
  const at = Date.parse(/\b(GMT|UTC)\b/i.test(v) ? v : `${v} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The abort reason to pass to `AbortController.abort()` when one of our own timers fires.
 * Bun's fetch rejects with the reason itself, so classifyFetchError can tell which timer
 * it was (and tell it from a client abort, which is an "AbortError").
 */
export function timeoutReason(kind: "timeout-connect" | "timeout-first-byte" | "timeout-first-token" | "deadline"): DOMException {
  return new DOMException(kind, "TimeoutError");
}

// Bun 1.x fetch errors carry `code` (checked against Bun 1.4.5 on Linux): ECONNREFUSED
// (refused), ENOTFOUND (DNS), EPROTO (plain HTTP on a TLS port), ECONNRESET (closed before
// the response). Older Bun used ConnectionRefused / FailedToOpenSocket / ConnectionClosed;
// certificate problems use OpenSSL-style codes (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT,
// UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID); undici/Node put the code
// on `cause`.
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ConnectionRefused",
  "FailedToOpenSocket",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT",
]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "DNSException"]);
const RESET_CODES = new Set(["ECONNRESET", "ConnectionClosed", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "ConnectionTimeout", "UND_ERR_CONNECT_TIMEOUT"]);
const TLS_CODE = /CERT|TLS|SSL|EPROTO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/;
const OWN_TIMEOUTS = new Set<string>(["timeout-connect", "timeout-first-byte", "timeout-first-token", "deadline"]);

/** Map whatever `fetch` threw to a Failure kind. Unknown transport errors count as "reset". */
export function classifyFetchError(err: unknown): Failure {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; cause?: { code?: unknown } } | null;
  const name = typeof e?.name === "string" ? e.name : "";
  if (name === "AbortError") return { kind: "aborted" };
  // upstream/client.ts aborts its first-byte timer with its own FirstByteTimeout error.
  if (name === "FirstByteTimeout") return { kind: "timeout-first-byte" };
  if (name === "TimeoutError") {
    const msg = typeof e?.message === "string" ? e.message : "";
    // A bare AbortSignal.timeout() fired before headers: treat as the first-byte timer.
    return { kind: (OWN_TIMEOUTS.has(msg) ? msg : "timeout-first-byte") as FailureKind };
  }
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : "";
  if (CONNECT_CODES.has(code)) return { kind: "connect" };
  if (DNS_CODES.has(code)) return { kind: "dns" };
  if (RESET_CODES.has(code)) return { kind: "reset" };
  if (TIMEOUT_CODES.has(code)) return { kind: "timeout-connect" };
  if (TLS_CODE.test(code)) return { kind: "tls" };
  return { kind: "reset" };
}
