// Raw file → one immutable runtime Config: defaults applied, secrets resolved, aliases
// indexed, cross-references checked. Nothing downstream deals with optionals.
import type { ConfigFile, ModelSection } from "./schema.ts";
import { ConfigError } from "./load.ts";
import { Secret } from "./secret.ts";
import { durationMs, sizeBytes } from "./units.ts";
import { fromConfigDir } from "./paths.ts";
import * as D from "./defaults.ts";
import { resolveWake, type WakeConfig } from "./wake.ts";

export type Tier = "local" | "cloud";
export type CacheMode = "deterministic" | "always" | "off";

/** Who may call: `auto` (keys once any exists, loopback only until then), `keys`, or `off`. */
export interface AuthConfig {
  mode: "auto" | "keys" | "off";
  /** Keys named in the config, their values from the environment (unset: not configured). */
  staticKeys: StaticKey[];
}

export interface StaticKey {
  name: string;
  key: Secret;
  /** Models (aliases, names, upstream/model) this key may use; null = all. */
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  maxStreams: number | null;
  dailyBudgetUsd: number | null;
  admin: boolean;
}

export interface UpstreamConfig {
  name: string;
  baseUrl: string; // no trailing slash
  tier: Tier;
  apiKey: Secret | null;
  apiKeyEnv: string | null;
  staticModels: string[];
  wire: "auto" | ("chat" | "responses" | "messages")[];
  /** How the key is sent upstream. */
  apiKeyHeader: "authorization" | "x-api-key";
  maxConcurrency: number; // 0 = unlimited
  /** Requests that may wait for a slot; more are refused at once (load shedding). */
  maxQueue: number;
  firstByteTimeoutMs: number;
  firstTokenTimeoutMs: number;
  /** Once its headers are in: silence between reads, and the whole answer's duration and size. */
  idleTimeoutMs: number;
  maxAnswerMs: number;
  maxAnswerBytes: number;
  /** USD per million tokens, when configured; otherwise the known price of the model, if any. */
  priceInput: number | null;
  priceOutput: number | null;
  headers: Record<string, string>;
  /** Tool calls written as text, repaired for this upstream's models unless a model says otherwise. */
  toolCallFormat: ToolCallFormat;
  modelInfo: Map<string, ModelInfo>;
  /** The built-in fake model of --demo. */
  demo: boolean;
  /** Wake-on-LAN for a local box that sleeps ([upstream.wake]); null = never woken. */
  wake: WakeConfig | null;
}

export type Capability = "vision" | "tools" | "reasoning";

export type ToolCallFormat = "auto" | "qwen3-coder" | "hermes" | "json" | "off";

export interface ModelInfo {
  contextWindow?: number;
  capabilities?: Capability[];
  toolCallFormat?: ToolCallFormat;
}

export interface Target {
  upstream: string;
  model: string;
}

export interface AliasConfig {
  name: string;
  targets: Target[];
  prefer: Tier;
  busy: "queue" | "overflow" | "wait";
  maxQueueMs: number;
  midstream: "error" | "continue";
  cache: CacheMode | null; // null = the global mode
  shared: boolean;
  near: number; // max Hamming distance; -1 = off
  priceInput: number | null;
  priceOutput: number | null;
}

export interface Config {
  source: string;
  server: {
    host: string;
    port: number;
    dataDir: string;
    /** Bytes to leave free on the data dir's disk, or "auto" (5% of it, at most 1 GiB: db/disk-room.ts). */
    keepFreeDisk: number | "auto";
    bodyLimit: number;
    /** The global cap on requests in flight upstream (never above what Bun's fetch allows). */
    maxUpstreamRequests: number;
    heartbeatMs: number;
    idleTimeoutMs: number;
    /** The whole request body must arrive within this (0 = no limit). */
    bodyTimeoutMs: number;
    /** Bodies nesting arrays/objects deeper than this are refused before parsing. */
    maxJsonDepth: number;
    allowedOrigins: string[];
    allowedHosts: string[];
    /** Proxies whose X-Forwarded-For is believed about who the client is. */
    trustedProxies: string[];
    reusePort: boolean;
    tls: { certFile: string; keyFile: string } | null;
  };
  auth: AuthConfig;
  /** Cloud spend allowed, all keys together; null = no limit. */
  budget: { cloudDailyUsd: number | null; cloudMonthlyUsd: number | null };
  upstreams: UpstreamConfig[];
  aliases: Map<string, AliasConfig>;
  routing: { maxAttempts: number; deadlineMs: number };
  health: { intervalMs: number; failureThreshold: number; cooldownMs: number; modelsRefreshMs: number };
  cache: { mode: CacheMode; backend: "sqlite" | "redis" | "memory"; ttlMs: number; maxBytes: number; redisUrl: Secret | null };
  /** "auto": pretty on a terminal, JSON lines otherwise (a log collector, a pipe, a file). */
  log: { level: "debug" | "info" | "warn" | "error"; format: "auto" | "json" | "pretty" };
  demo: { tokensPerSecond: number };
  responses: { storeTtlMs: number; maxBytes: number };
}

export interface Overrides {
  host?: string;
  port?: number;
  dataDir?: string;
  demo?: boolean;
}

function isAnthropicHost(url: string): boolean {
  try {
    return new URL(url).hostname.endsWith("anthropic.com");
  } catch {
    return false;
  }
}

export function resolveConfig(raw: ConfigFile, source: string, env: Record<string, string | undefined>, o: Overrides = {}): Config {
  const upstreams = (raw.upstream ?? []).map((u, index) => {
    let apiKey: Secret | null = null;
    if (u.api_key_env) {
      const v = env[u.api_key_env];
      // A missing key is not fatal: the upstream answers 401 and the router moves on, and
      // `wayfront check` says which variable is unset.
      if (v) apiKey = new Secret(v);
    }
    return {
      name: u.name,
      baseUrl: u.base_url.replace(/\/+$/, ""),
      tier: u.tier ?? "local",
      apiKey,
      apiKeyEnv: u.api_key_env ?? null,
      staticModels: u.models ?? [],
      wire: u.wire ?? "auto",
      // Anthropic's API takes its key only as x-api-key; everything OpenAI-compatible as a bearer token.
      apiKeyHeader: u.api_key_header ?? (isAnthropicHost(u.base_url) ? "x-api-key" : "authorization"),
      maxConcurrency: u.max_concurrency ?? 0,
      maxQueue: u.max_queue ?? D.defaultMaxQueue(u.max_concurrency ?? 0),
      firstByteTimeoutMs: durationMs(u.first_byte_timeout, D.DEFAULT_FIRST_BYTE_TIMEOUT_MS),
      firstTokenTimeoutMs: durationMs(u.first_token_timeout, D.DEFAULT_FIRST_TOKEN_TIMEOUT_MS),
      idleTimeoutMs: durationMs(u.idle_timeout, D.DEFAULT_UPSTREAM_IDLE_MS),
      maxAnswerMs: durationMs(u.max_answer_duration, D.DEFAULT_MAX_ANSWER_MS),
      maxAnswerBytes: sizeBytes(u.max_answer_bytes, D.DEFAULT_MAX_ANSWER_BYTES),
      priceInput: u.price_input ?? null,
      priceOutput: u.price_output ?? null,
      headers: u.headers ?? {},
      // Cloud APIs return structured tool calls; local models often write them as text.
      toolCallFormat: u.tool_call_format ?? ((u.tier ?? "local") === "local" ? "auto" : "off"),
      modelInfo: new Map(
        Object.entries(u.model_info ?? {}).map(([k, v]) => [
          k,
          { contextWindow: v.context_window, capabilities: v.capabilities, toolCallFormat: v.tool_call_format },
        ]),
      ),
      demo: false,
      wake: resolveWake(u.wake, { upstream: u.name, index, tier: u.tier ?? "local", source }),
    } as UpstreamConfig;
  });
  if (o.demo && !upstreams.some((u) => u.name === D.DEMO_UPSTREAM)) {
    upstreams.push({
      name: D.DEMO_UPSTREAM,
      baseUrl: "http://demo.wayfront.invalid/v1", // never dialled: served in-process
      tier: "local",
      apiKey: null,
      apiKeyEnv: null,
      staticModels: [D.DEMO_MODEL],
      wire: ["chat"],
      apiKeyHeader: "authorization",
      maxConcurrency: 0,
      maxQueue: Number.POSITIVE_INFINITY,
      firstByteTimeoutMs: D.DEFAULT_FIRST_BYTE_TIMEOUT_MS,
      firstTokenTimeoutMs: D.DEFAULT_FIRST_TOKEN_TIMEOUT_MS,
      idleTimeoutMs: D.DEFAULT_UPSTREAM_IDLE_MS,
      maxAnswerMs: D.DEFAULT_MAX_ANSWER_MS,
      maxAnswerBytes: D.DEFAULT_MAX_ANSWER_BYTES,
      priceInput: 0,
      priceOutput: 0,
      headers: {},
      toolCallFormat: "off",
      modelInfo: new Map(),
      demo: true,
      wake: null,
    });
  }
  const names = new Set<string>();
  for (const u of upstreams) {
    if (names.has(u.name)) throw new ConfigError(`${source}: upstream name \`${u.name}\` is used twice`);
    names.add(u.name);
  }
  const aliases = new Map<string, AliasConfig>();
  for (const [name, m] of Object.entries(raw.models ?? {})) aliases.set(name, resolveAlias(name, m, names, source));

  const c = raw.cache ?? {};
  const redisUrlEnv = c.redis_url_env ?? "WAYFRONT_REDIS_URL";
  if (c.backend === "redis" && !env[redisUrlEnv]) {
    throw new ConfigError(`${source}: cache.backend = "redis" needs the Redis URL in the env var ${redisUrlEnv}`);
  }
  const h = raw.health ?? {};
  return Object.freeze({
    source,
    server: {
      host: o.host ?? raw.server?.host ?? D.DEFAULT_HOST,
      port: o.port ?? raw.server?.port ?? D.DEFAULT_PORT,
      dataDir: o.dataDir ?? (raw.server?.data_dir ? fromConfigDir(source, raw.server.data_dir) : D.platformDataDir(env)),
      keepFreeDisk: keepFree(raw.server?.keep_free_disk),
      bodyLimit: sizeBytes(raw.server?.body_limit, D.DEFAULT_BODY_LIMIT),
      maxUpstreamRequests: raw.server?.max_upstream_requests ?? D.DEFAULT_MAX_UPSTREAM_REQUESTS,
      heartbeatMs: durationMs(raw.server?.heartbeat, D.DEFAULT_HEARTBEAT_MS),
      idleTimeoutMs: durationMs(raw.server?.idle_timeout, D.DEFAULT_IDLE_TIMEOUT_MS),
      bodyTimeoutMs: durationMs(raw.server?.body_timeout, D.DEFAULT_BODY_TIMEOUT_MS),
      maxJsonDepth: raw.server?.max_json_depth ?? D.DEFAULT_MAX_JSON_DEPTH,
      allowedOrigins: raw.server?.allowed_origins ?? [],
      allowedHosts: raw.server?.allowed_hosts ?? [],
      trustedProxies: raw.server?.trusted_proxies ?? [],
      reusePort: raw.server?.reuse_port ?? false,
      tls: raw.server?.tls
        ? { certFile: fromConfigDir(source, raw.server.tls.cert_file), keyFile: fromConfigDir(source, raw.server.tls.key_file) }
        : null,
    },
    budget: { cloudDailyUsd: raw.budget?.cloud_daily_usd ?? null, cloudMonthlyUsd: raw.budget?.cloud_monthly_usd ?? null },
    auth: {
      mode: raw.auth?.mode ?? "auto",
      staticKeys: (raw.auth?.keys ?? []).flatMap((k) => {
        const v = env[k.key_env];
        if (!v) return [];
        return [
          {
            name: k.name,
            key: new Secret(v),
            models: k.models ?? null,
            rpm: k.rpm ?? null,
            tpm: k.tpm ?? null,
            maxStreams: k.streams ?? null,
            dailyBudgetUsd: k.daily_budget ?? null,
            admin: k.admin ?? false,
          },
        ];
      }),
    },
    upstreams,
    aliases,
    routing: {
      maxAttempts: raw.routing?.max_attempts ?? D.DEFAULT_MAX_ATTEMPTS,
      deadlineMs: durationMs(raw.routing?.deadline, D.DEFAULT_DEADLINE_MS),
    },
    health: {
      intervalMs: durationMs(h.interval, D.DEFAULT_HEALTH_INTERVAL_MS),
      failureThreshold: h.failure_threshold ?? D.DEFAULT_FAILURE_THRESHOLD,
      cooldownMs: durationMs(h.cooldown, D.DEFAULT_COOLDOWN_MS),
      modelsRefreshMs: durationMs(h.models_refresh, D.DEFAULT_MODELS_REFRESH_MS),
    },
    cache: {
      mode: c.mode ?? "deterministic",
      backend: c.backend ?? "sqlite",
      ttlMs: durationMs(c.ttl, D.DEFAULT_CACHE_TTL_MS),
      maxBytes: sizeBytes(c.max_bytes, D.DEFAULT_CACHE_MAX_BYTES),
      redisUrl: env[redisUrlEnv] ? new Secret(env[redisUrlEnv]!) : null,
    },
    log: { level: raw.log?.level ?? "info", format: raw.log?.format ?? "auto" },
    demo: { tokensPerSecond: raw.demo?.tokens_per_second ?? D.DEFAULT_DEMO_TOKENS_PER_SECOND },
    responses: {
      storeTtlMs: durationMs(raw.responses?.store_ttl, D.DEFAULT_RESPONSES_STORE_TTL_MS),
      maxBytes: sizeBytes(raw.responses?.max_bytes, D.DEFAULT_RESPONSES_MAX_BYTES),
    },
  });
}

function keepFree(v: number | string | undefined): number | "auto" {
  return v === undefined || v === "auto" ? "auto" : sizeBytes(v, 0);
}

function resolveAlias(name: string, m: ModelSection, upstreams: Set<string>, source: string): AliasConfig {
  const targets = m.targets.map((t, i) => {
    const slash = t.indexOf("/");
    const target = { upstream: t.slice(0, slash), model: t.slice(slash + 1) };
    if (!upstreams.has(target.upstream)) {
      throw new ConfigError(`${source}: \`models."${name}".targets[${i}]\` names upstream \`${target.upstream}\`, which is not configured`);
    }
    return target;
  });
  return {
    name,
    targets,
    prefer: m.prefer ?? "local",
    busy: m.busy ?? "wait",
    maxQueueMs: m.max_queue_ms ?? D.DEFAULT_MAX_QUEUE_MS,
    midstream: m.midstream ?? "error",
    cache: m.cache ?? null,
    shared: m.shared ?? false,
    near: m.near === true ? 3 : m.near === false || m.near === undefined ? -1 : m.near,
    priceInput: m.price_input ?? null,
    priceOutput: m.price_output ?? null,
  };
}
