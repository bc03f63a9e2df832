// Turn a failed upstream call into an error a person can act on (what failed, where, why).
// Whether to move on is failure.ts's call; this file only words it.
import type { UpstreamState } from "../upstream/registry.ts";
import { FirstByteTimeout } from "../upstream/client.ts";
import { GatewayError } from "../protocol/errors.ts";
import { transportCause } from "../upstream/transport-error.ts";
import { displayUrl } from "../upstream/url.ts";

export function describeFailure(upstream: UpstreamState, err: unknown): GatewayError {
  // The client sees where, but never credentials embedded in the URL.
  const name = `Upstream \`${upstream.config.name}\` (${displayUrl(upstream.config.baseUrl)})`;
  if (err instanceof FirstByteTimeout) {
    return new GatewayError("upstream_timeout", `${name} sent no response within ${err.ms} ms (first_byte_timeout).`, { code: "upstream_timeout" });
  }
  const cause = transportCause(err);
  return new GatewayError("upstream_unreachable", `${name} is unreachable: ${cause}.`, { code: "upstream_unreachable" });
}

/** An upstream's own error answer, kept with its status, naming who said it, scrubbed of our key. */
export async function upstreamStatusError(upstream: UpstreamState, res: Response): Promise<{ error: GatewayError; body: string }> {
  let message = `HTTP ${res.status}`;
  let code: string | null = null;
  let param: string | null = null;
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    const e = body?.error ?? body;
    if (typeof e?.message === "string") message = e.message;
    else if (typeof e === "string") message = e;
    if (typeof e?.code === "string") code = e.code;
    if (typeof e?.param === "string") param = e.param;
  } catch {
    if (text) message = text.slice(0, 500);
  }
  const key = upstream.config.apiKey?.reveal();
  if (key) message = message.split(key).join("[redacted]");
  const headers: Record<string, string> = {};
  const retryAfter = res.headers.get("retry-after");
  if (retryAfter) headers["retry-after"] = retryAfter;
  const kind = res.status >= 500 ? "upstream_error" : res.status === 404 ? "model_not_found" : "invalid_request";
  const error = new GatewayError(kind, `Upstream \`${upstream.config.name}\` answered ${res.status}: ${message}`, {
    status: res.status,
    code: code ?? (res.status >= 500 ? "upstream_error" : null),
    param,
    headers,
  });
  return { error, body: key ? text.split(key).join("[redacted]") : text };
}
