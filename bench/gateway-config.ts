// The Wayfront configs the bench runs, as TOML text (the same file feeds the gateway from
// source and the compiled binary, so both run the very same settings).

export interface GatewayTomlOptions {
  upstreamUrl: string;
  /**
   * "deterministic" is the default: the cache stage runs on every request, and only
   * temperature-0 requests are looked up (the passthrough requests are not, so they miss it).
   */
  cache?: "off" | "deterministic" | "always";
  /** "info" writes one log line per request, as a real deployment does. */
  log?: "info" | "warn";
  /** Per-upstream concurrency (0 = unlimited), for the overload scenario. */
  maxConcurrency?: number;
  /** Pin the upstream's wire so the gateway translates Responses to Chat without probing. */
  wire?: "chat";
}

export function gatewayToml(o: GatewayTomlOptions): string {
  const lines = ["[[upstream]]", 'name = "ref"', `base_url = "${o.upstreamUrl}/v1"`];
  if (o.maxConcurrency !== undefined) lines.push(`max_concurrency = ${o.maxConcurrency}`);
  if (o.wire) lines.push(`wire = ["${o.wire}"]`);
  lines.push("[cache]", `mode = "${o.cache ?? "deterministic"}"`, "[log]", `level = "${o.log ?? "info"}"`, 'format = "json"', "");
  return lines.join("\n");
}
