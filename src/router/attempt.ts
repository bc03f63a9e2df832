// Try the route's targets in order until one answers with a response worth relaying.
// Before the first byte reaches the client, a failed target costs nothing but time, so
// we move on; what counts as "failed" is decided by failure.ts.
import type { Config, Target } from "../config/resolve.ts";
import type { Registry, UpstreamState } from "../upstream/registry.ts";
import type { Route } from "./resolve.ts";
import { sendUpstream, type Sent } from "../upstream/client.ts";
import { rewriteModel } from "../protocol/model-field.ts";
import { GatewayError } from "../protocol/errors.ts";
import { describeFailure, isRetryableStatus } from "./failure-text.ts";

export type Api = "chat" | "responses" | "completions" | "embeddings";

export const API_PATH: Record<Api, string> = {
  chat: "/chat/completions",
  responses: "/responses",
  completions: "/completions",
  embeddings: "/embeddings",
};

/** What is sent to one target: by default the client's body with `model` rewritten. */
export interface Prepared {
  path: string;
  body: string;
  /** Set by a handler that changed the wire format (e.g. Responses → Chat); read back by it. */
  translation?: unknown;
}

export type Prepare = (target: Target, upstream: UpstreamState) => Prepared | Promise<Prepared>;

export interface AttemptInput {
  api: Api;
  route: Route;
  bodyText: string;
  clientHeaders: Headers;
  signal: AbortSignal;
  /** Per-target request; defaults to passing the body through with the model rewritten. */
  prepare?: Prepare;
}

export interface Served {
  upstream: UpstreamState;
  target: Target;
  sent: Sent;
  attempts: number;
  prepared: Prepared;
}

export function passThrough(api: Api, bodyText: string): Prepare {
  return (target) => ({ path: API_PATH[api], body: rewriteModel(bodyText, target.model) ?? bodyText });
}

export async function attemptTargets(input: AttemptInput, config: Config, registry: Registry): Promise<Served> {
  const errors: GatewayError[] = [];
  let attempts = 0;
  for (const target of input.route.targets) {
    if (attempts >= config.routing.maxAttempts) break;
    const upstream = registry.get(target.upstream)!;
    attempts++;
    let sent: Sent;
    let prepared: Prepared;
    try {
      prepared = await (input.prepare ?? passThrough(input.api, input.bodyText))(target, upstream);
      sent = await sendUpstream({
        upstream,
        path: prepared.path,
        body: prepared.body,
        clientHeaders: input.clientHeaders,
        signal: input.signal,
        firstByteTimeoutMs: upstream.config.firstByteTimeoutMs,
      });
    } catch (err) {
      if (input.signal.aborted) throw new GatewayError("internal", "client went away");
      errors.push(describeFailure(upstream, err));
      continue;
    }
    const status = sent.response.status;
    if (status < 400) return { upstream, target, sent, attempts, prepared };
    const err = await upstreamStatusError(upstream, sent.response);
    if (!isRetryableStatus(status)) throw err; // the request itself is wrong: another target would say the same
    errors.push(err);
  }
  throw lastError(errors, attempts);
}

function lastError(errors: GatewayError[], attempts: number): GatewayError {
  const last = errors.at(-1);
  if (!last) return new GatewayError("no_capacity", "No upstream could take this request.");
  if (errors.length === 1) return last;
  const all = errors.map((e) => e.message).join("; ");
  return new GatewayError(last.kind, `All ${attempts} attempts failed: ${all}`, { status: last.status, code: last.code, headers: last.headers });
}

/** An upstream's own error answer, passed on with its status, naming who said it, scrubbed of our key. */
async function upstreamStatusError(upstream: UpstreamState, res: Response): Promise<GatewayError> {
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
  return new GatewayError(kind, `Upstream \`${upstream.config.name}\` answered ${res.status}: ${message}`, {
    status: res.status,
    code: code ?? (res.status >= 500 ? "upstream_error" : null),
    param,
    headers,
  });
}
