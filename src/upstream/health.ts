// What the gateway knows about each upstream's health and load: its circuit breaker, its
// concurrency slots, which models it has loaded, and active probes. Passive signals come
// from real traffic (router/attempt.ts reports each outcome here).
import type { Config } from "../config/resolve.ts";
import type { Registry, UpstreamState } from "./registry.ts";
import { authHeaders } from "./registry.ts";
import { transportCause } from "./transport-error.ts";
import { Breaker } from "./breaker.ts";
import { Admission } from "./admission.ts";
import { fetchLimitFor, upstreamCap } from "./fetch-cap.ts";
import { NO_EVENTS, type EventSink } from "../status/events.ts";
import { circuitEvents, noteProbe } from "./health-events.ts";
import { type LoadedModel, readLlamaProps, readOllamaPs } from "./runtime.ts";
import { Waker } from "./wake.ts";

export interface UpstreamHealth {
  name: string;
  breaker: Breaker;
  admission: Admission;
  /** Models the upstream reports loaded (Ollama's /api/ps); null when it can't tell. */
  loaded: Set<string> | null;
  /** Each loaded model's runtime context and GPU share (Ollama; llama.cpp's one model); null = unknown. */
  loadedModels: LoadedModel[] | null;
  /** model → ms timestamp it last served that model. */
  lastServed: Map<string, number>;
  /** Result of the last active probe. */
  probe: { ok: boolean; at: number; ms: number; error: string | null } | null;
  /** Wake-on-LAN for a box that sleeps ([upstream.wake]); null when it has none. */
  wake: Waker | null;
}

export class Health {
  readonly byName = new Map<string, UpstreamHealth>();
  /** The global line over every upstream (upstream/fetch-cap.ts); kept across a reload with the same cap. */
  readonly global: Admission;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly events: EventSink;
  /** Upstreams that answered /api/ps with something other than JSON: don't ask again. */
  private readonly noPs = new Set<string>();
  /** The same for llama.cpp's /props. */
  private readonly noProps = new Set<string>();

  /**
   * `previous`: on a config reload, an upstream whose URL, concurrency and health settings are
   * unchanged keeps its state (breaker, slots in use, queue), so a reload mid-traffic neither
   * forgets an outage nor lets a full GPU take more requests.
   */
  constructor(
    private readonly config: Config,
    private readonly registry: Registry,
    previous?: { health: Health; config: Config },
    /** `now`: the breakers' clock (tests inject one); `events`: hears reachability and circuit changes. */
    opts: { now?: () => number; events?: EventSink } = {},
  ) {
    const { now, events = NO_EVENTS } = opts;
    this.events = events;
    const { cap } = upstreamCap(config.server.maxUpstreamRequests, fetchLimitFor(config.upstreams));
    const prev = previous?.health.global;
    this.global =
      prev && previous.config.server.maxUpstreamRequests === config.server.maxUpstreamRequests ? prev : new Admission({ maxConcurrency: cap });
    for (const u of config.upstreams) {
      const kept = previous && sameHealth(previous.config, config, u.name) ? previous.health.byName.get(u.name) : undefined;
      const waker = () => (u.wake ? new Waker(u.name, u.wake, { events }) : null);
      if (kept) {
        // A wake under way stays with its record; changed wake settings start afresh.
        if (JSON.stringify(kept.wake?.config ?? null) !== JSON.stringify(u.wake)) kept.wake = waker();
        this.byName.set(u.name, kept);
        continue;
      }
      this.byName.set(u.name, {
        name: u.name,
        breaker: new Breaker({
          failureThreshold: config.health.failureThreshold,
          cooldownMs: config.health.cooldownMs,
          now,
          onChange: circuitEvents(u.name, events),
        }),
        admission: new Admission({ maxConcurrency: u.maxConcurrency, maxQueue: u.maxQueue }),
        loaded: null,
        loadedModels: null,
        lastServed: new Map(),
        probe: null,
        wake: waker(),
      });
    }
  }

  get(name: string): UpstreamHealth {
    return this.byName.get(name)!;
  }

  start(): void {
    void this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.config.health.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  probeAll(): Promise<void> {
    return Promise.all(this.registry.list.map((s) => this.probeOne(s))).then(() => {});
  }

  /**
   * GET {base}/models. A failed probe counts against the breaker like a failed request; a
   * successful one closes a breaker whose cool-down has passed (it is the half-open trial),
   * so an upstream that came back is used again without sacrificing a client request.
   */
  private async probeOne(s: UpstreamState): Promise<void> {
    const h = this.get(s.config.name);
    const t0 = performance.now();
    try {
      const res = await s.fetch(`${s.config.baseUrl}/models`, { headers: authHeaders(s.config), signal: AbortSignal.timeout(5_000) });
      await res.body?.cancel();
      const ok = res.status < 500 && res.status !== 401 && res.status !== 403;
      h.probe = { ok, at: Date.now(), ms: Math.round(performance.now() - t0), error: ok ? null : `GET /models answered ${res.status}` };
      if (ok && h.breaker.state() !== "closed" && h.breaker.canAttempt()) h.breaker.onSuccess();
      if (!ok) h.breaker.onFailure();
    } catch (err) {
      h.probe = { ok: false, at: Date.now(), ms: Math.round(performance.now() - t0), error: transportCause(err) };
      h.breaker.onFailure();
    }
    noteProbe(h, this.events);
    if (!s.config.demo) await this.readLoaded(s, h);
  }

  /** Ollama lists the models it has in memory at GET /api/ps (beside /v1), each with its runtime context. */
  private async readLoaded(s: UpstreamState, h: UpstreamHealth): Promise<void> {
    if (this.noPs.has(s.config.name)) return this.readProps(s, h);
    const ps = await readOllamaPs(s);
    if (ps === "absent") this.noPs.add(s.config.name);
    // Unreachable: the models probe above already recorded that.
    if (ps === "absent" || ps === "failed") return this.readProps(s, h);
    h.loaded = new Set(ps.map((m) => m.model));
    h.loadedModels = ps;
    s.runtime = new Map(ps.flatMap((m) => (m.context ? [[m.model, m.context] as const] : [])));
  }

  /** llama.cpp serves one model with one n_ctx (GET /props); asked only of local servers that are not Ollama. */
  private async readProps(s: UpstreamState, h: UpstreamHealth): Promise<void> {
    if (s.config.tier !== "local" || this.noProps.has(s.config.name)) return;
    const ctx = await readLlamaProps(s);
    if (ctx === "absent") this.noProps.add(s.config.name);
    if (ctx === "absent" || ctx === "failed") return;
    s.serverContext = ctx;
    h.loadedModels = [...s.models].map((model) => ({ model, context: ctx, size: null, sizeVram: null }));
  }

  snapshot() {
    return [...this.byName.values()].map((h) => ({
      name: h.name,
      breaker: h.breaker.snapshot(),
      outstanding: h.admission.outstanding(),
      queued: h.admission.queued(),
      shed: h.admission.shed,
      loaded: h.loaded ? [...h.loaded] : null,
      loadedModels: h.loadedModels,
      probe: h.probe,
      wake: h.wake && { config: h.wake.config, wakingSince: h.wake.wakingSince(), lastSentAt: h.wake.lastSentAt() },
    }));
  }
}

function sameHealth(a: Config, b: Config, name: string): boolean {
  const ua = a.upstreams.find((u) => u.name === name);
  const ub = b.upstreams.find((u) => u.name === name);
  return (
    !!ua &&
    !!ub &&
    ua.baseUrl === ub.baseUrl &&
    ua.maxConcurrency === ub.maxConcurrency &&
    ua.maxQueue === ub.maxQueue &&
    a.health.failureThreshold === b.health.failureThreshold &&
    a.health.cooldownMs === b.health.cooldownMs
  );
}
