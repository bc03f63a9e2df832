// Try the planned targets in order until one answers. Before the first content token
// reaches the client a failed target costs nothing but time, so we move on; what counts
// as "failed" is decided by failure.ts alone. Circuit breakers, busy policies and the
// total deadline bound how long that can take.
//
// The result is a value, never an HTTP response: who served (target, wire, the body sent),
// the upstream's status, headers and body (read whole, or framed events held until the
// first content token), a lease to end when the answer is over, and every failed attempt
// with its reason. server/respond.ts alone turns it into HTTP.
import type { Config, Target } from "../config/resolve.ts";
import type { Registry, UpstreamState } from "../upstream/registry.ts";
import type { Health, UpstreamHealth } from "../upstream/health.ts";
import type { GatewayMetrics } from "../status/gateway-metrics.ts";
import type { Logger } from "../status/log.ts";
import type { EventSink } from "../status/events.ts";
import type { Route } from "./resolve.ts";
import type { Api, ProtocolSpec } from "../protocol/apis.ts";
import { PROTOCOLS } from "../protocol/apis.ts";
import { sendUpstream, type Sent } from "../upstream/client.ts";
import { watchAbort } from "../upstream/abort-watch.ts";
import { AbortLine } from "../upstream/abort-line.ts";
import { realClock, type Clock } from "../upstream/clock.ts";
import { GatewayError } from "../protocol/errors.ts";
import { Frames, untilContent } from "../relay/frames.ts";
import { type Usage, usageIn } from "../relay/usage.ts";
import { displayUrl } from "../upstream/url.ts";
import { AnswerLimitError, ERROR_BODY_LIMITS, limitsOf, readWhole } from "../upstream/limits.ts";
import { describeFailure, upstreamStatusError } from "./failure-text.ts";
import { classify, classifyFetchError, timeoutReason, type Failure } from "./failure.ts";
import { lazyDeadline, type Deadline } from "./deadline.ts";
import { planTargets, type PlannedTarget } from "./plan.ts";
import { DEFAULT_TRANSFORMS, prepare, type Prepared, type Transform } from "./transforms.ts";
import { type WakeTarget, wakeGate, wakeOnRefusal } from "./wake-gate.ts";
import { admit } from "./admit.ts";

/** A route with the wire each of its upstreams speaks for this request. */
export interface PlannedRoute extends Route {
  /** Upstream name → the protocol it is sent; absent means the client's own. */
  wires: Map<string, Api>;
}

export interface AttemptInput {
  /** The client's protocol. */
  spec: ProtocolSpec;
  route: PlannedRoute;
  bodyText: string;
  /** The parsed body (for fit checks). */
  body: Record<string, unknown>;
  /** The client asked for a stream: hold each attempt back until its first content token. */
  stream: boolean;
  clientHeaders: Headers;
  signal: AbortSignal;
  /** Per-target body changes, in order; DEFAULT_TRANSFORMS when absent. */
  transforms?: readonly Transform[];
  /** Clock.now() when the request arrived (for time-to-first-token and the deadline). */
  startedAt: number;
  /** Targets not to try (a mid-stream continuation skips the one that died). */
  exclude?: Set<string>;
  /** Set when cloud targets may not be used (a budget is spent): the reason, and the answer when nothing else is left. */
  noCloud?: GatewayError | null;
}

/** Ends a served answer: frees its slot once; a stream that broke counts against the upstream. */
export interface Lease {
  end(outcome: "ok" | "error" | "cancelled"): void;
}

/** A whole answer carries the usage read from it while it was checked (its JSON is parsed once). */
export type ServedBody = { kind: "whole"; text: string; usage: Usage | null } | { kind: "events"; frames: Frames };

export interface Served {
  upstream: UpstreamState;
  target: Target;
  prepared: Prepared;
  status: number;
  headers: Headers;
  body: ServedBody;
  /** Abort this attempt's upstream request (and its body). */
  abort: (reason?: unknown) => void;
  lease: Lease;
  attempts: number;
  /** Why each earlier attempt failed, in order. */
  failures: AttemptFailure[];
  /** Targets of the plan not yet tried, for a mid-stream continuation. */
  remaining: Target[];
  /** ms from arrival to the first content token (streams); absent for whole answers. */
  firstTokenMs?: number;
}

export interface AttemptFailure {
  upstream: string;
  model: string;
  reason: string;
}

export type Attempted = { ok: true; served: Served } | { ok: false; error: GatewayError; attempts: number; failures: AttemptFailure[] };

export interface RouterContext {
  config: Config;
  registry: Registry;
  health: Health;
  metrics: GatewayMetrics;
  clock?: Clock;
  /** Hears every skip and failover, one line each. */
  log?: Logger;
  /** Hears a busy upstream's first overflow or queueing (status/events.ts). */
  events?: EventSink;
}

export async function attemptTargets(input: AttemptInput, ctx: RouterContext): Promise<Attempted> {
  const clock = ctx.clock ?? realClock;
  const plan = planTargets({
    route: input.route,
    spec: input.spec,
    body: input.body,
    tierHeader: input.clientHeaders.get("x-wayfront-route"),
    registry: ctx.registry,
    health: ctx.health,
  });
  // A prompt too long for a local window is a skip like any other: one line, with the window.
  for (const u of plan.unfit) ctx.log?.event("info", "target skipped", { route: input.route.name, target: u.target, reason: u.reason });
  let targets = plan.targets.filter((c) => !input.exclude?.has(`${c.upstream}/${c.model}`));
  const noCloud = input.noCloud;
  if (noCloud) {
    const local = targets.filter((c) => c.tier !== "cloud");
    if (local.length === 0) return { ok: false, error: noCloud, attempts: 0, failures: [] };
    if (local.length < targets.length) plan.skipped.push("cloud targets (over budget)");
    targets = local;
  }
  const dl = lazyDeadline(ctx.config.routing.deadlineMs, input.signal, clock);
  const errors: GatewayError[] = [];
  const failures: AttemptFailure[] = [];
  const skipped = [...plan.skipped];
  let attempts = 0;
  let failedBefore: string | null = null;
  let rewoken = -1;
  const gone = () => ({ ok: false as const, error: clientGone(), attempts, failures });
  try {
    for (let i = 0; i < targets.length; i++) {
      const cand = targets[i];
      if (attempts >= ctx.config.routing.maxAttempts) break;
      if (dl.remaining() === 0) break;
      const upstream = ctx.registry.get(cand.upstream)!;
      const h = ctx.health.get(cand.upstream);
      // A box that sleeps: woken first, and its while_waking says whether this request waits.
      const sleeper: WakeTarget | null = h.wake && {
        registry: ctx.registry,
        events: ctx.events,
        upstream,
        h,
        now: clock.now,
        last: i === targets.length - 1,
      };
      const woken = sleeper && (await wakeGate(sleeper, dl));
      if (woken) {
        if ("ended" in woken) break;
        if ("skip" in woken) skipped.push(woken.skip);
        else errors.push(woken.error);
        const reason = "skip" in woken ? "asleep (waking)" : woken.error.message;
        ctx.log?.event("warn", "target skipped", { route: input.route.name, target: `${cand.upstream}/${cand.model}`, reason });
        continue;
      }
      if (!h.breaker.canAttempt()) {
        skipped.push(`\`${cand.upstream}\` is unavailable (circuit ${h.breaker.state()})`);
        ctx.log?.event("warn", "target skipped", {
          route: input.route.name,
          target: `${cand.upstream}/${cand.model}`,
          reason: `circuit ${h.breaker.state()}`,
        });
        ctx.metrics.spillovers.inc({ upstream: cand.upstream });
        continue;
      }
      const release = await admit({
        h,
        route: input.route,
        config: ctx.config,
        global: ctx.health.global,
        events: ctx.events,
        firstByteTimeoutMs: upstream.config.firstByteTimeoutMs,
        deadline: dl,
        setTimer: clock.setTimer,
      });
      if (!release) {
        h.breaker.onAbandon();
        if (input.signal.aborted) return gone();
        const full = h.admission.full();
        skipped.push(
          `\`${cand.upstream}\` is busy (${h.admission.outstanding()} in flight${full ? `, ${h.admission.queued()} waiting: its line (max_queue) is full` : ""})`,
        );
        ctx.log?.event("warn", "target skipped", {
          route: input.route.name,
          target: `${cand.upstream}/${cand.model}`,
          reason: full ? "busy, line full" : "busy",
        });
        ctx.metrics.spillovers.inc({ upstream: cand.upstream });
        continue;
      }
      if (failedBefore) ctx.metrics.failovers.inc({ upstream: failedBefore });
      attempts++;
      const result = await attemptOne({ input, ctx, cand, upstream, h, release, dl, clock });
      if ("served" in result) {
        const served: Served = { ...result.served, attempts, failures, remaining: targets.slice(i + 1).map((c) => c.target) };
        return { ok: true, served };
      }
      failures.push({ upstream: cand.upstream, model: cand.model, reason: result.error.message });
      // Refused by a box that sleeps: woken, and tried once more after wakeGate has waited for it.
      if (sleeper && !result.terminal && rewoken !== i && wakeOnRefusal(sleeper, result.error)) {
        rewoken = i;
        i--; // the loop's i++ comes back to this target
        continue;
      }
      if (!result.terminal) {
        ctx.log?.event("warn", "failover", { route: input.route.name, target: `${cand.upstream}/${cand.model}`, reason: result.error.message });
      }
      if (result.terminal) return { ok: false, error: result.error, attempts, failures };
      errors.push(result.error);
      failedBefore = cand.upstream;
    }
  } finally {
    dl.dispose();
  }
  if (input.signal.aborted) return gone();
  return { ok: false, error: finalError(errors, skipped, attempts, input.route, dl), attempts, failures };
}

type OneResult = { served: Omit<Served, "attempts" | "failures" | "remaining"> } | { error: GatewayError; terminal: boolean };

interface One {
  input: AttemptInput;
  ctx: RouterContext;
  cand: PlannedTarget;
  upstream: UpstreamState;
  h: UpstreamHealth;
  release: () => void;
  dl: Deadline;
  clock: Clock;
}

async function attemptOne(o: One): Promise<OneResult> {
  const { input, ctx, cand, upstream, h, release, dl, clock } = o;
  const name = upstream.config.name;
  let sent: Sent | null = null;
  const fail = (f: Failure, error: GatewayError): OneResult => {
    sent?.end();
    release();
    if (f.kind === "aborted" || input.signal.aborted) {
      h.breaker.onAbandon();
      return { error: clientGone(), terminal: true };
    }
    const verdict = classify(f, clock.now);
    if (verdict.countsAsFailure) h.breaker.onFailure();
    else h.breaker.onAbandon();
    if (verdict.coolDownMs) h.breaker.coolDown(verdict.coolDownMs);
    ctx.metrics.failures.inc({ upstream: name, reason: f.kind === "status" ? String(f.status) : f.kind });
    return { error, terminal: verdict.action === "terminal" };
  };

  const wire = input.route.wires.get(cand.upstream) ?? input.spec.api;
  const prepared = prepare(input.bodyText, wire, input.transforms ?? DEFAULT_TRANSFORMS, {
    api: input.spec.api,
    target: cand.target,
    upstream,
    stream: input.stream,
    clientModel: typeof input.body.model === "string" ? input.body.model : undefined,
  });
  // Each timer is capped by what is left of the deadline; one cut short by it is the deadline's.
  const left = dl.remaining();
  const firstByteMs = Math.max(1, Math.min(upstream.config.firstByteTimeoutMs, left));
  try {
    sent = await sendUpstream({
      upstream,
      path: prepared.path,
      body: prepared.body,
      clientHeaders: input.clientHeaders,
      signal: input.signal,
      firstByteTimeoutMs: firstByteMs,
      setTimer: clock.setTimer,
    });
  } catch (err) {
    if (err instanceof GatewayError) return fail({ kind: "status", status: err.status }, err);
    const f = classifyFetchError(err);
    if (f.kind === "timeout-first-byte" && firstByteMs < upstream.config.firstByteTimeoutMs)
      return fail({ kind: "deadline" }, deadlineError(input.route));
    return fail(f, describeFailure(upstream, err));
  }

  const res = sent.response;
  const limits = limitsOf(upstream.config);
  if (res.status >= 300) {
    // 3xx: never followed (our key stays on its host) and never the answer; 4xx/5xx: the
    // upstream's own error, whose body is read only as far as its message needs.
    const bounded = {
      idleMs: Math.min(ERROR_BODY_LIMITS.idleMs, limits.idleMs),
      maxMs: Math.min(ERROR_BODY_LIMITS.maxMs, limits.maxMs),
      maxBytes: ERROR_BODY_LIMITS.maxBytes,
    };
    const text = res.status < 400 ? "" : await readWhole(res, bounded, { setTimer: clock.setTimer, truncate: true }).catch(() => "");
    sent.abort();
    const { error, body } =
      res.status < 400
        ? { error: redirected(upstream, res), body: "" }
        : await upstreamStatusError(upstream, new Response(text, { status: res.status, headers: res.headers }));
    return fail(
      { kind: "status", status: res.status, retryAfter: res.headers.get("retry-after"), retryAfterMs: res.headers.get("retry-after-ms"), body },
      error,
    );
  }

  let body: ServedBody;
  let firstTokenMs: number | undefined;
  if (input.stream && res.body && (res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    const frames = new Frames(res.body, limits, clock);
    const limit = upstream.config.firstTokenTimeoutMs;
    const timeoutMs = Math.max(1, Math.min(limit, dl.remaining()));
    const gate = new AbortLine();
    const cancelTimer = clock.setTimer(() => gate.abort(timeoutReason("timeout-first-token")), timeoutMs);
    const onAbort = () => gate.abort(input.signal.reason);
    const unwatch = input.signal.aborted ? (onAbort(), () => {}) : watchAbort(input.signal, onAbort);
    try {
      await untilContent(frames, PROTOCOLS[prepared.wire].isContent, gate);
    } catch (err) {
      sent.abort(err);
      frames.cancel(err);
      const timedOut = gate.aborted && gate.reason instanceof DOMException && gate.reason.message === "timeout-first-token";
      if (timedOut && timeoutMs < limit) return fail({ kind: "deadline" }, deadlineError(input.route));
      if (timedOut) {
        const msg = `Upstream \`${name}\` sent no content within ${timeoutMs} ms (first_token_timeout).`;
        return fail({ kind: "timeout-first-token" }, new GatewayError("upstream_timeout", msg, { code: "upstream_timeout" }));
      }
      const msg = `Upstream \`${name}\` failed before its first token: ${(err as Error)?.message ?? err}.`;
      return fail(classifyFetchError(err), new GatewayError("upstream_error", msg, { code: "upstream_error" }));
    } finally {
      cancelTimer();
      unwatch();
    }
    firstTokenMs = clock.now() - input.startedAt;
    ctx.metrics.ttft.observe({ upstream: name }, firstTokenMs / 1000);
    body = { kind: "events", frames };
  } else {
    // A whole answer: read it here, so an upstream that dies half-way through its body can
    // still be replaced by the next target (nothing has reached the client yet).
    let text: string;
    try {
      text = await readWhole(res, limits, { setTimer: clock.setTimer });
    } catch (err) {
      sent.abort(err);
      if (err instanceof AnswerLimitError) return fail({ kind: "reset" }, cutShort(upstream, err));
      return fail(classifyFetchError(err), describeFailure(upstream, err));
    }
    // A 2xx is a success only when it is an answer of the protocol sent: an HTML page, invalid
    // JSON or an error object with 200 is the upstream failing, and the next target may not.
    const checked = checkAnswer(PROTOCOLS[prepared.wire], res, text);
    if (typeof checked === "string") return fail({ kind: "status", status: 502 }, badAnswer(upstream, checked, text));
    body = { kind: "whole", text, usage: usageIn(checked) };
  }
  // A whole answer is a success now. A stream only proves itself at its end: one that keeps
  // dying mid-way must still open the circuit, so its first token closes a half-open trial
  // but does not wipe the count of consecutive failures.
  if (body.kind === "whole" || h.breaker.state() !== "closed") h.breaker.onSuccess();
  h.lastServed.set(cand.model, clock.now());
  let ended = false;
  const following = sent;
  const lease: Lease = {
    end(outcome) {
      if (ended) return;
      ended = true;
      following.end();
      release();
      if (outcome === "error") h.breaker.onFailure();
      else if (outcome === "ok" && body.kind === "events") h.breaker.onSuccess();
    },
  };
  return {
    served: { upstream, target: cand.target, prepared, status: res.status, headers: res.headers, body, abort: sent.abort, lease, firstTokenMs },
  };
}

/** A whole 2xx answer's JSON, or what is wrong with it. */
function checkAnswer(spec: ProtocolSpec, res: Response, text: string): Record<string, unknown> | string {
  const type = res.headers.get("content-type") ?? "";
  if (type && !type.includes("json")) return `a ${type.split(";")[0]} body`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "a body that is not valid JSON";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return "JSON that is not an object";
  const o = parsed as Record<string, unknown>;
  if (o.error != null) return "an error object";
  return spec.isAnswer(o) ? o : `JSON that is not a ${spec.api} answer`;
}

const EXCERPT = 200;

function badAnswer(upstream: UpstreamState, what: string, text: string): GatewayError {
  const excerpt = text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text;
  return new GatewayError("upstream_error", `Upstream \`${upstream.config.name}\` answered 2xx with ${what}: ${JSON.stringify(excerpt)}.`, {
    code: "bad_upstream_answer",
  });
}

function cutShort(upstream: UpstreamState, err: AnswerLimitError): GatewayError {
  const timeout = err.limit !== "max_answer_bytes";
  return new GatewayError(timeout ? "upstream_timeout" : "upstream_error", `Upstream \`${upstream.config.name}\`'s answer was cut: ${err.message}.`, {
    code: timeout ? "upstream_timeout" : "answer_too_large",
  });
}

/** A 3xx is never followed (our key stays on its host) and is never the answer. */
function redirected(upstream: UpstreamState, res: Response): GatewayError {
  const to = res.headers.get("location")?.split("?")[0];
  const where = to ? ` to ${displayUrl(to)}` : "";
  return new GatewayError(
    "upstream_error",
    `Upstream \`${upstream.config.name}\` answered ${res.status}, a redirect${where}, which is not followed (check its base_url).`,
    {
      code: "upstream_redirect",
    },
  );
}

function deadlineError(route: Route): GatewayError {
  return new GatewayError("upstream_timeout", `No target of \`${route.name}\` answered within the request deadline (routing.deadline).`, {
    code: "deadline_exceeded",
  });
}

function finalError(errors: GatewayError[], skipped: string[], attempts: number, route: Route, dl: Deadline): GatewayError {
  if (dl.remaining() === 0 && errors.length === 0) return deadlineError(route);
  const last = errors.at(-1);
  const notes = skipped.length ? ` Skipped: ${skipped.join("; ")}.` : "";
  // Busy or shedding: a short Retry-After, since a slot frees as soon as an answer ends.
  if (!last)
    return new GatewayError("no_capacity", `No upstream could take this request for \`${route.name}\`.${notes}`, {
      code: "no_capacity",
      headers: { "retry-after": "1" },
    });
  if (errors.length === 1 && !notes) return last;
  const all = errors.map((e) => e.message).join(" ");
  return new GatewayError(last.kind, `${attempts} attempt${attempts === 1 ? "" : "s"} failed: ${all}${notes}`, {
    status: last.status,
    code: last.code,
    headers: last.headers,
  });
}

export function clientGone(): GatewayError {
  // 499 in nginx's sense: nobody is left to read this, it only shows in the log line.
  return new GatewayError("internal", "client closed the request", { status: 499, code: "client_closed" });
}
