// Try the planned targets in order until one answers. Before the first content token
// reaches the client a failed target costs nothing but time, so we move on; what counts
// as "failed" is decided by failure.ts alone. Circuit breakers, busy policies and the
// total deadline bound how long that can take.
import type { Config, Target } from "../config/resolve.ts";
import type { Registry, UpstreamState } from "../upstream/registry.ts";
import type { Health, UpstreamHealth } from "../upstream/health.ts";
import type { GatewayMetrics } from "../status/gateway-metrics.ts";
import type { Logger } from "../status/log.ts";
import type { Route } from "./resolve.ts";
import { sendUpstream, type Sent } from "../upstream/client.ts";
import { rewriteModel } from "../protocol/model-field.ts";
import { GatewayError } from "../protocol/errors.ts";
import { describeFailure, upstreamStatusError } from "./failure-text.ts";
import { classify, classifyFetchError, timeoutReason, type Failure } from "./failure.ts";
import { lazyDeadline, type Deadline } from "./deadline.ts";
import { planTargets, type PlannedTarget } from "./plan.ts";
import { holdUntilContent, wireOfPath } from "../relay/first-token.ts";
import { trackOutcome } from "./outcome.ts";
import { withUsageRequested } from "../relay/usage.ts";
import { continuing, type ContinueOptions } from "./continue.ts";

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
  /** We asked the upstream for a usage chunk the client didn't ask for: drop it on the way out. */
  stripUsage?: boolean;
}

export type Prepare = (target: Target, upstream: UpstreamState) => Prepared | Promise<Prepared>;

export interface AttemptInput {
  api: Api;
  route: Route;
  bodyText: string;
  /** The parsed body (for fit checks); parsed again from bodyText when absent. */
  body?: unknown;
  /** The client asked for a stream: hold each attempt back until its first content token. */
  stream?: boolean;
  clientHeaders: Headers;
  signal: AbortSignal;
  /** Per-target request; defaults to passing the body through with the model rewritten. */
  prepare?: Prepare;
  /** performance.now() when the request arrived (for time-to-first-token). */
  startedAt?: number;
  /** Targets not to try (a mid-stream continuation skips the one that died). */
  exclude?: Set<string>;
  /** Hears that the answer was stitched from two targets (midstream = "continue"). */
  onSeam?: () => void;
}

export interface Served {
  upstream: UpstreamState;
  target: Target;
  sent: Sent;
  attempts: number;
  prepared: Prepared;
  /** A whole (non-stream) answer, already read: hand it on as is, no stream needed. */
  text?: string;
  /** Targets of the plan not yet tried, for a mid-stream continuation. */
  remaining: Target[];
}

export interface RouterContext {
  config: Config;
  registry: Registry;
  health: Health;
  metrics: GatewayMetrics;
  log?: Logger;
}

export function passThrough(api: Api, bodyText: string, stream = false): Prepare {
  return (target) => {
    const body = rewriteModel(bodyText, target.model) ?? bodyText;
    // Ask chat streams for usage so tokens can be counted; strip it again if the client didn't ask.
    if (api === "chat" && stream) {
      const withUsage = withUsageRequested(body);
      if (withUsage !== body) return { path: API_PATH[api], body: withUsage, stripUsage: true };
    }
    return { path: API_PATH[api], body };
  };
}

export async function attemptTargets(input: AttemptInput, live: RouterContext): Promise<Served> {
  // One consistent view for the whole request, even if a config reload swaps these meanwhile.
  const ctx: RouterContext = { config: live.config, registry: live.registry, health: live.health, metrics: live.metrics, log: live.log };
  const startedAt = input.startedAt ?? performance.now();
  const plan = planTargets({
    route: input.route,
    api: input.api,
    body: input.body ?? safeParse(input.bodyText),
    tierHeader: input.clientHeaders.get("x-wayfront-route"),
    registry: ctx.registry,
    health: ctx.health,
  });
  const targets = plan.targets.filter((c) => !input.exclude?.has(`${c.upstream}/${c.model}`));
  const dl = lazyDeadline(ctx.config.routing.deadlineMs, input.signal);
  const errors: GatewayError[] = [];
  const skipped = [...plan.skipped];
  let attempts = 0;
  let failedBefore: string | null = null;
  try {
    for (let i = 0; i < targets.length; i++) {
      const cand = targets[i];
      if (attempts >= ctx.config.routing.maxAttempts) break;
      if (dl.remaining() === 0) break;
      const upstream = ctx.registry.get(cand.upstream)!;
      const h = ctx.health.get(cand.upstream);
      if (!h.breaker.canAttempt()) {
        skipped.push(`\`${cand.upstream}\` is unavailable (circuit ${h.breaker.state()})`);
        ctx.metrics.spillovers.inc({ upstream: cand.upstream });
        continue;
      }
      const release = await admit(h, input, ctx, dl, upstream);
      if (!release) {
        h.breaker.onAbandon();
        if (input.signal.aborted) throw clientGone();
        skipped.push(`\`${cand.upstream}\` is busy (${h.admission.outstanding()} in flight)`);
        ctx.metrics.spillovers.inc({ upstream: cand.upstream });
        continue;
      }
      if (failedBefore) ctx.metrics.failovers.inc({ upstream: failedBefore });
      attempts++;
      const result = await attemptOne({ input, ctx, cand, upstream, h, release, dl, startedAt });
      if ("served" in result) {
        return { ...result.served, attempts, remaining: targets.slice(i + 1).map((c) => c.target) };
      }
      if (result.terminal) throw result.error;
      errors.push(result.error);
      failedBefore = cand.upstream;
    }
  } finally {
    dl.dispose();
  }
  if (input.signal.aborted) throw clientGone();
  throw finalError(errors, skipped, attempts, input.route, dl);
}

type OneResult = { served: Omit<Served, "attempts" | "remaining"> } | { error: GatewayError; terminal: boolean };

async function attemptOne(o: {
  input: AttemptInput;
  ctx: RouterContext;
  cand: PlannedTarget;
  upstream: UpstreamState;
  h: UpstreamHealth;
  release: () => void;
  dl: Deadline;
  startedAt: number;
}): Promise<OneResult> {
  const { input, ctx, cand, upstream, h, release, dl } = o;
  const name = upstream.config.name;
  const fail = (f: Failure, error: GatewayError): OneResult => {
    release();
    if (f.kind === "aborted" || input.signal.aborted) {
      h.breaker.onAbandon();
      return { error: clientGone(), terminal: true };
    }
    const verdict = classify(f);
    if (verdict.countsAsFailure) h.breaker.onFailure();
    else h.breaker.onAbandon();
    if (verdict.coolDownMs) h.breaker.coolDown(verdict.coolDownMs);
    ctx.metrics.failures.inc({ upstream: name, reason: f.kind === "status" ? String(f.status) : f.kind });
    return { error, terminal: verdict.action === "terminal" };
  };

  let prepared: Prepared;
  let sent: Sent;
  try {
    prepared = await (input.prepare ?? passThrough(input.api, input.bodyText, input.stream))(cand.target, upstream);
    sent = await sendUpstream({
      upstream,
      path: prepared.path,
      body: prepared.body,
      clientHeaders: input.clientHeaders,
      signal: input.signal,
      firstByteTimeoutMs: Math.max(1, Math.min(upstream.config.firstByteTimeoutMs, dl.remaining())),
    });
  } catch (err) {
    if (err instanceof GatewayError) return fail({ kind: "status", status: err.status }, err);
    return fail(classifyFetchError(err), describeFailure(upstream, err));
  }

  const res = sent.response;
  if (res.status >= 400) {
    const { error, body } = await upstreamStatusError(upstream, res);
    return fail({ kind: "status", status: res.status, retryAfter: res.headers.get("retry-after"), retryAfterMs: res.headers.get("retry-after-ms"), body }, error);
  }

  const isSse = (res.headers.get("content-type") ?? "").includes("text/event-stream");
  let body: ReadableStream<Uint8Array> | string;
  if (input.stream && isSse && res.body) {
    const timeoutMs = Math.max(1, Math.min(upstream.config.firstTokenTimeoutMs, dl.remaining()));
    const gate = new AbortController();
    const timer = setTimeout(() => gate.abort(timeoutReason("timeout-first-token")), timeoutMs);
    const onAbort = () => gate.abort(input.signal.reason);
    input.signal.addEventListener("abort", onAbort, { once: true });
    try {
      body = (await holdUntilContent(res.body, wireOfPath(prepared.path), gate.signal)).body;
    } catch (err) {
      sent.abort(err);
      const f: Failure = gate.signal.reason?.message === "timeout-first-token" ? { kind: "timeout-first-token" } : classifyFetchError(err);
      const msg =
        f.kind === "timeout-first-token"
          ? `Upstream \`${name}\` sent no content within ${timeoutMs} ms (first_token_timeout).`
          : `Upstream \`${name}\` failed before its first token: ${(err as Error)?.message ?? err}.`;
      return fail(f, new GatewayError(f.kind === "timeout-first-token" ? "upstream_timeout" : "upstream_error", msg, { code: f.kind === "timeout-first-token" ? "upstream_timeout" : "upstream_error" }));
    } finally {
      clearTimeout(timer);
      input.signal.removeEventListener("abort", onAbort);
    }
    ctx.metrics.ttft.observe({ upstream: name }, (performance.now() - o.startedAt) / 1000);
    if (input.route.alias?.midstream === "continue" && wireOfPath(prepared.path) === "chat") {
      body = continuing(body, continuation(input, ctx, cand.target, prepared.body));
    }
  } else {
    // A whole answer: read it here, so an upstream that dies half-way through its body can
    // still be replaced by the next target (nothing has reached the client yet).
    try {
      body = await res.text();
    } catch (err) {
      return fail(classifyFetchError(err), describeFailure(upstream, err));
    }
  }
  h.breaker.onSuccess();
  h.lastServed.set(cand.model, Date.now());
  const tracked = trackOutcome({ body, upstream: name, alias: input.route.alias, tier: upstream.config.tier, h, release, metrics: ctx.metrics, startedAt: o.startedAt });
  const response = new Response(tracked, { status: res.status, headers: res.headers });
  const text = typeof tracked === "string" ? tracked : undefined;
  return { served: { upstream, target: cand.target, sent: { response, abort: sent.abort }, prepared, text } };
}

function continuation(input: AttemptInput, ctx: RouterContext, failed: Target, sentBody: string): ContinueOptions {
  return {
    sentBody,
    failed,
    resume: async (prepare, exclude) => {
      const s = await attemptTargets({ ...input, prepare, exclude, startedAt: performance.now() }, ctx);
      return { body: s.sent.response.body!, upstream: s.upstream.config.name };
    },
    onSeam: (to, partialChars) => {
      input.onSeam?.();
      ctx.metrics.seams.inc({ from: failed.upstream, to });
      ctx.log?.event("warn", "midstream continuation", { from: failed.upstream, to, partial_chars: partialChars });
    },
  };
}

/** Wait for a slot on this upstream per the alias's busy policy, within the deadline. */
async function admit(h: UpstreamHealth, input: AttemptInput, ctx: RouterContext, dl: Deadline, upstream: UpstreamState) {
  const fast = h.admission.tryAcquire();
  if (fast) return fast;
  const alias = input.route.alias;
  // A single-target route has nowhere to spill to: it waits its turn.
  const policy = alias?.busy ?? (input.route.targets.length > 1 ? "wait" : "queue");
  if (policy === "overflow") return null;
  const maxQueueMs =
    policy === "wait"
      ? Math.min(alias?.maxQueueMs ?? ctx.config.aliases.get("*")?.maxQueueMs ?? 30_000, dl.remaining())
      : Math.min(upstream.config.firstByteTimeoutMs, dl.remaining()); // queue: cloud only after the local timeout
  return h.admission.acquire({ policy, maxQueueMs, signal: dl.signal });
}

function finalError(errors: GatewayError[], skipped: string[], attempts: number, route: Route, dl: Deadline): GatewayError {
  if (dl.remaining() === 0 && errors.length === 0) {
    return new GatewayError("upstream_timeout", `No target of \`${route.name}\` answered within the request deadline (routing.deadline).`, { code: "deadline_exceeded" });
  }
  const last = errors.at(-1);
  const notes = skipped.length ? ` Skipped: ${skipped.join("; ")}.` : "";
  if (!last) return new GatewayError("no_capacity", `No upstream could take this request for \`${route.name}\`.${notes}`, { code: "no_capacity" });
  if (errors.length === 1 && !notes) return last;
  const all = errors.map((e) => e.message).join(" ");
  return new GatewayError(last.kind, `${attempts} attempt${attempts === 1 ? "" : "s"} failed: ${all}${notes}`, {
    status: last.status,
    code: last.code,
    headers: last.headers,
  });
}

function clientGone(): GatewayError {
  // 499 in nginx's sense: nobody is left to read this, it only shows in the log line.
  return new GatewayError("internal", "client closed the request", { status: 499, code: "client_closed" });
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
