// Turn a failed upstream call into an error a person can act on.
import type { UpstreamState } from "../upstream/registry.ts";
import { FirstByteTimeout } from "../upstream/client.ts";
import { GatewayError } from "../protocol/errors.ts";

/** 5xx: the server is in trouble; 429: it is busy; 404: it lacks the model. Others won't change elsewhere. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 404 || status === 408;
}

const CAUSES: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the server running?)",
  ConnectionRefused: "connection refused (is the server running?)",
  ENOTFOUND: "host name not found",
  ECONNRESET: "connection reset",
  ConnectionClosed: "connection closed before a response",
  FailedToOpenSocket: "could not open a socket",
};

export function describeFailure(upstream: UpstreamState, err: unknown): GatewayError {
  const name = `Upstream \`${upstream.config.name}\` (${upstream.config.baseUrl})`;
  if (err instanceof FirstByteTimeout) {
    return new GatewayError("upstream_timeout", `${name} sent no response within ${err.ms} ms.`, { code: "upstream_timeout" });
  }
  const e = err as { code?: string; message?: string; name?: string };
  const cause = (e.code && CAUSES[e.code]) || (e.code?.startsWith("CERT") || e.code?.includes("TLS") ? `TLS error (${e.code})` : null) || e.message || String(err);
  return new GatewayError("upstream_unreachable", `${name} is unreachable: ${cause}.`, { code: "upstream_unreachable" });
}
