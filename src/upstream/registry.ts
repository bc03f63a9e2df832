// The configured upstreams, how to reach each, and the models each one serves
// (from its GET /models, refreshed periodically, plus any configured statically).
import type { Config, ModelInfo, UpstreamConfig } from "../config/resolve.ts";
import { demoFetch } from "./demo.ts";
import { stepFreeNow } from "./clock.ts";
import { transportCause } from "./transport-error.ts";
import { contextWindowOf } from "./context-window.ts";
import { http1Fetch } from "./http1.ts";
import { reachedByFetch } from "./fetch-cap.ts";
import { type FetchInit, fetchSignal } from "./abort-line.ts";

export type Fetcher = (url: string, init: FetchInit) => Promise<Response>;

/**
 * How an upstream is reached: a plain-HTTP one (the local GPU box) over the gateway's own
 * HTTP/1.1 connections (http1.ts says why), anything else with Bun's fetch (fetch-cap.ts
 * reachedByFetch decides, for the global cap too).
 */
function fetcherFor(baseUrl: string): Fetcher {
  if (reachedByFetch(baseUrl)) return (url, init) => fetch(url, { ...init, signal: fetchSignal(init.signal) });
  sharedHttp1 ??= http1Fetch();
  return sharedHttp1;
}
/** One set of kept connections for the process, whichever registry (config) asks. */
let sharedHttp1: Fetcher | null = null;

/**
 * A request for a model no list has refreshes the lists (it may have been pulled a moment
 * ago), but at most this often: a client that keeps asking for a wrong name (a retry loop, an
 * agent set up with a model nobody serves) must not make every one of its requests a
 * GET /models to every upstream, the cloud's included.
 */
export const MISS_REFRESH_MS = 2_000;

export interface UpstreamState {
  config: UpstreamConfig;
  fetch: Fetcher;
  models: Set<string>;
  /** What the upstream's /models reports a model can take (vLLM: max_model_len). */
  reported: Map<string, ModelInfo>;
  /** The context each loaded model runs with now (Ollama's /api/ps); health.ts fills it. */
  runtime: Map<string, number>;
  /** The one context a llama.cpp server runs every request with (/props n_ctx); null = unknown. */
  serverContext: number | null;
  /** ms timestamp of the last successful model-list fetch; 0 = never. */
  modelsAt: number;
  lastError: string | null;
  /** The last model-list fetch got no HTTP answer at all (refused, timed out, reset): the server is down, not just unhappy. */
  unreachable: boolean;
}

export class Registry {
  readonly byName = new Map<string, UpstreamState>();
  readonly list: UpstreamState[];
  private refreshing: Promise<void> | null = null;
  /** When the last refresh began (whatever became of it). */
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | null = null;

  /** `previous`: on a config reload, an upstream at the same URL keeps its model lists. */
  constructor(
    private readonly config: Config,
    previous?: Registry,
    /** Times the refresh interval: a duration, so a clock that never steps (clock.ts). */
    private readonly now: () => number = stepFreeNow,
  ) {
    this.list = config.upstreams.map((u) => {
      const old = previous?.get(u.name);
      const same = old && old.config.baseUrl === u.baseUrl;
      return {
        config: u,
        fetch: u.demo ? demoFetch(config.demo.tokensPerSecond) : fetcherFor(u.baseUrl),
        models: same ? new Set([...old.models, ...u.staticModels]) : new Set(u.staticModels),
        reported: same ? old.reported : new Map(),
        runtime: same ? old.runtime : new Map(),
        serverContext: same ? old.serverContext : null,
        modelsAt: same ? old.modelsAt : 0,
        lastError: same ? old.lastError : null,
        unreachable: same ? old.unreachable : false,
      };
    });
    for (const s of this.list) this.byName.set(s.config.name, s);
  }

  get(name: string): UpstreamState | undefined {
    return this.byName.get(name);
  }

  /**
   * What a target can take: configured model_info first, then what the server runs now, then
   * what its /models reports. Field by field: a model_info naming only capabilities keeps the
   * reported window.
   */
  infoOf(upstream: string, model: string): ModelInfo {
    const s = this.byName.get(upstream);
    if (!s) return {};
    const configured = s.config.modelInfo.get(model);
    const info: ModelInfo = { ...s.reported.get(model) };
    if (configured?.capabilities) info.capabilities = configured.capabilities;
    if (configured?.toolCallFormat) info.toolCallFormat = configured.toolCallFormat;
    const window = contextWindowOf(s, model);
    if (window) info.contextWindow = window.tokens;
    return info;
  }

  /** Upstreams whose model list contains `model`, in configured order. */
  serving(model: string): UpstreamState[] {
    return this.list.filter((s) => s.models.has(model));
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.health.modelsRefreshMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Refresh every list at once; concurrent callers share the one refresh in flight. */
  refresh(): Promise<void> {
    if (!this.refreshing) this.refreshedAt = this.now();
    this.refreshing ??= Promise.all(this.list.map((s) => this.refreshOne(s))).then(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** For a model no list has: joins a refresh in flight, or starts one unless the last began under MISS_REFRESH_MS ago. */
  refreshForMiss(): Promise<void> {
    if (this.refreshing || this.now() - this.refreshedAt >= MISS_REFRESH_MS) return this.refresh();
    return Promise.resolve();
  }

  async refreshOne(s: UpstreamState): Promise<void> {
    try {
      const res = await s.fetch(`${s.config.baseUrl}/models`, {
        headers: authHeaders(s.config),
        signal: AbortSignal.timeout(5_000),
      });
      s.unreachable = false;
      if (!res.ok) {
        s.lastError = `GET /models answered ${res.status}`;
        await res.body?.cancel();
        return;
      }
      const body = (await res.json()) as { data?: Record<string, unknown>[] };
      const models = new Set(s.config.staticModels);
      const reported = new Map<string, ModelInfo>();
      for (const m of body.data ?? []) {
        if (typeof m?.id !== "string") continue;
        models.add(m.id);
        // vLLM reports max_model_len; others use context_length / context_window.
        const ctx = m.max_model_len ?? m.context_length ?? m.context_window;
        if (typeof ctx === "number" && ctx > 0) reported.set(m.id, { contextWindow: ctx });
      }
      s.models = models;
      s.reported = reported;
      s.modelsAt = Date.now();
      s.lastError = null;
    } catch (err) {
      s.lastError = transportCause(err);
      s.unreachable = true;
    }
  }
}

export function authHeaders(u: UpstreamConfig): Record<string, string> {
  const h: Record<string, string> = { ...u.headers };
  if (!u.apiKey) return h;
  if (u.apiKeyHeader === "x-api-key") {
    h["x-api-key"] = u.apiKey.reveal();
    // Anthropic's API refuses a call without it, /v1/models included; a client's own value wins upstream.
    h["anthropic-version"] ??= "2023-06-01";
  } else {
    h.authorization = `Bearer ${u.apiKey.reveal()}`;
  }
  return h;
}
