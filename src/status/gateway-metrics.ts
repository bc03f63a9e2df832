// The figures a gateway keeps about its traffic, one registry per running gateway. The
// status page, /status.json and /metrics all read these same series.
import { Registry } from "./metrics.ts";

export function gatewayMetrics() {
  const r = new Registry();
  return {
    registry: r,
    requests: r.counter("wayfront_requests_total", "Requests served, by upstream and outcome.", ["upstream", "outcome"]),
    clients: r.counter(
      "wayfront_client_requests_total",
      'API requests by client key (its name, never the key; "local" without one), by status class.',
      ["key", "status"],
    ),
    clientTokens: r.counter(
      "wayfront_client_tokens_total",
      'Tokens used by client key (its name, never the key; "local" without one), by direction, cache hits included.',
      ["key", "direction"],
    ),
    failures: r.counter("wayfront_upstream_failures_total", "Failed attempts, by upstream and reason.", ["upstream", "reason"]),
    failovers: r.counter("wayfront_failovers_total", "Requests moved to another target after a failure, by the upstream that failed.", ["upstream"]),
    spillovers: r.counter("wayfront_spillovers_total", "Requests sent elsewhere because this upstream was busy or its circuit open.", ["upstream"]),
    seams: r.counter("wayfront_midstream_continuations_total", "Streams continued on another target after a mid-stream failure.", ["from", "to"]),
    tokens: r.counter("wayfront_tokens_total", "Tokens reported in upstream usage, by direction.", ["upstream", "direction"]),
    spendAvoided: r.counter("wayfront_cloud_spend_avoided_usd_total", "Estimated cloud spend avoided by serving locally (configured prices).", [
      "alias",
    ]),
    toolCallsRepaired: r.counter(
      "wayfront_tool_calls_repaired_total",
      "Tool calls a model wrote as text, turned into real tool calls, by upstream and configured format.",
      ["upstream", "format"],
    ),
    cacheSpendAvoided: r.counter(
      "wayfront_cache_spend_avoided_usd_total",
      "Estimated cloud spend cache hits avoided, by route (alias or upstream/model).",
      ["route"],
    ),
    cacheTokensSaved: r.counter("wayfront_cache_tokens_saved_total", "Tokens cache hits did not have to generate again, by route.", ["route"]),
    ttft: r.histogram("wayfront_time_to_first_token_seconds", "Request start to the first content token (streams).", ["upstream"]),
    // Gauges, set from the gateway's state each time /metrics is read (handlers/status.ts).
    upstreamUp: r.gauge("wayfront_upstream_reachable", "1 when the upstream's last probe answered, 0 when it failed.", ["upstream"]),
    circuit: r.gauge("wayfront_upstream_circuit_state", "Circuit breaker: 0 closed, 1 half-open, 2 open.", ["upstream"]),
    inFlight: r.gauge("wayfront_upstream_in_flight", "Requests holding one of the upstream's slots now.", ["upstream"]),
    shed: r.gauge("wayfront_upstream_shed", "Requests refused at once because the upstream's line (max_queue) was full, since start.", ["upstream"]),
    queued: r.gauge("wayfront_upstream_queued", "Requests waiting for one of the upstream's slots now.", ["upstream"]),
    upstreamRequests: r.gauge(
      "wayfront_upstream_requests_in_flight",
      "Requests in flight to all upstreams (the global line, server.max_upstream_requests).",
      [],
    ),
    upstreamRequestsQueued: r.gauge("wayfront_upstream_requests_queued", "Requests waiting in the global line for any upstream.", []),
    cacheEntries: r.gauge("wayfront_cache_entries", "Entries in the prompt cache.", []),
    cacheBytes: r.gauge("wayfront_cache_bytes", "Bytes held by the prompt cache.", []),
    cacheHits: r.gauge("wayfront_cache_hits", "Prompt cache hits recorded by the store (since it was created).", []),
    cacheMisses: r.gauge("wayfront_cache_misses", "Prompt cache misses recorded by the store (since it was created).", []),
    cloudSpendToday: r.gauge("wayfront_cloud_spend_today_usd", "Cloud spend today (UTC), all client keys, in USD.", []),
    duration: r.histogram("wayfront_request_duration_seconds", "Request start to the end of the answer.", ["upstream"]),
  };
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;
