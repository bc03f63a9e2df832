// The configured upstreams, how to reach each, and the models each one serves
// (from its GET /models, refreshed periodically, plus any configured statically).
import type { Config, UpstreamConfig } from "../config/resolve.ts";
import { demoFetch } from "./demo.ts";

export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

export interface UpstreamState {
  config: UpstreamConfig;
  fetch: Fetcher;
  models: Set<string>;
  /** ms timestamp of the last successful model-list fetch; 0 = never. */
  modelsAt: number;
  lastError: string | null;
}

export class Registry {
  readonly byName = new Map<string, UpstreamState>();
  readonly list: UpstreamState[];
  private refreshing: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly config: Config) {
    this.list = config.upstreams.map((u) => ({
      config: u,
      fetch: u.demo ? demoFetch(config.demo.tokensPerSecond) : (url: string, init: RequestInit) => fetch(url, init),
      models: new Set(u.staticModels),
      modelsAt: 0,
      lastError: null,
    }));
    for (const s of this.list) this.byName.set(s.config.name, s);
  }

  get(name: string): UpstreamState | undefined {
    return this.byName.get(name);
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
    this.refreshing ??= Promise.all(this.list.map((s) => this.refreshOne(s))).then(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async refreshOne(s: UpstreamState): Promise<void> {
    try {
      const res = await s.fetch(`${s.config.baseUrl}/models`, {
        headers: authHeaders(s.config),
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) {
        s.lastError = `GET /models answered ${res.status}`;
        await res.body?.cancel();
        return;
      }
      const body = (await res.json()) as { data?: { id?: unknown }[] };
      const models = new Set(s.config.staticModels);
      for (const m of body.data ?? []) if (typeof m?.id === "string") models.add(m.id);
      s.models = models;
      s.modelsAt = Date.now();
      s.lastError = null;
    } catch (err) {
      s.lastError = (err as Error).message ?? String(err);
    }
  }
}

export function authHeaders(u: UpstreamConfig): Record<string, string> {
  const h: Record<string, string> = { ...u.headers };
  if (u.apiKey) h.authorization = `Bearer ${u.apiKey.reveal()}`;
  return h;
}
