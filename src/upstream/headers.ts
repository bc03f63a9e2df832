// Which headers cross the gateway, in each direction.

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus what the gateway itself owns on the upstream leg. */
const DROP_TO_UPSTREAM = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  // The client's credentials are for this gateway, never for the upstream; the upstream's key is set from its env var.
  "authorization",
  "api-key",
  "x-api-key",
  "cookie",
  "openai-organization",
  "openai-project",
  // Bun decodes compressed bodies itself; asking for identity keeps streams unbuffered.
  "accept-encoding",
  // A response header; from a client it means nothing upstream (and toJSON gives it as a list).
  "set-cookie",
]);

// What of an upstream's response headers reaches the client: an allowlist, so an upstream can
// never set our own headers (x-wayfront-*), CORS (access-control-*: what a browser may do with
// the answer is the gateway's call), cookies, or caching and framing we did not decide. Only
// what describes the answer itself or the upstream's limits passes.
const PASS_TO_CLIENT = new Set([
  "content-type",
  "retry-after",
  "retry-after-ms",
  "x-request-id",
  "request-id",
  "openai-processing-ms",
  "openai-version",
  "openai-model",
]);
// The prefixes that pass (x-ratelimit-*, anthropic-ratelimit-*), tested inline: a closure
// per header showed in the passthrough profile.
function passes(name: string): boolean {
  return PASS_TO_CLIENT.has(name) || name.startsWith("x-ratelimit-") || name.startsWith("anthropic-ratelimit-");
}

// Both directions read the headers with Bun's toJSON (one native call, not an iterator step
// and an array per header) and build a plain object that fetch / Headers take in one go: both
// showed in the passthrough profile.
export function upstreamHeaders(client: Headers, upstream: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const all = client.toJSON();
  for (const k in all) {
    if (DROP_TO_UPSTREAM.has(k) || k.startsWith("x-wayfront-")) continue;
    out[k] = all[k];
  }
  out["content-type"] = "application/json";
  // The client's anthropic-version is what its body is written for; ours is only a default.
  for (const name in upstream) {
    const k = name.toLowerCase(); // configured headers may be written in any case
    if (!(k === "anthropic-version" && k in out)) out[k] = upstream[name];
  }
  return out;
}

export function clientHeaders(upstream: Headers, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const all = upstream.toJSON();
  for (const k in all) if (passes(k)) out[k] = all[k];
  for (const k in extra) out[k.toLowerCase()] = extra[k];
  return out;
}
