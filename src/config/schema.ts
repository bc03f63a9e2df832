// The TOML file's schema. Strict on purpose: an unknown key is almost always a typo that
// would otherwise be silently ignored (`frist_byte_timeout`), so it stops start-up.
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

// `expected`: the words config/load.ts shows when a value does not match, instead of
// TypeBox's "Expected union value" or a bare regex.

/** Seconds as a number, or a string with a unit: "500ms", "15s", "2m", "1h", "7d". */
export const Duration = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: "^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$" })], {
  expected: 'a duration: seconds as a number (`15`), or a string with a unit: "500ms", "15s", "2m", "1h", "7d"',
});
/** Bytes as an integer, or a string with a unit: "32MiB", "512KB", "1GiB". */
export const Size = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: "^\\s*\\d+(\\.\\d+)?\\s*(B|KB|KiB|MB|MiB|GB|GiB)\\s*$" })], {
  expected: 'a size: bytes as a whole number (`1048576`), or a string with a unit: "512KB", "32MiB", "1GiB"',
});

export const Tier = Type.Union([Type.Literal("local"), Type.Literal("cloud")]);
export const Wire = Type.Union([Type.Literal("chat"), Type.Literal("responses"), Type.Literal("messages")]);
export const CacheMode = Type.Union([Type.Literal("deterministic"), Type.Literal("always"), Type.Literal("off")]);
export const Capability = Type.Union([Type.Literal("vision"), Type.Literal("tools"), Type.Literal("reasoning")]);

/** How a model writes a tool call into its text, when it does (protocol/tool-text/). */
export const ToolCallFormat = Type.Union([
  Type.Literal("auto"),
  Type.Literal("qwen3-coder"),
  Type.Literal("hermes"),
  Type.Literal("json"),
  Type.Literal("off"),
]);

export const ModelInfo = Type.Object(
  {
    context_window: Type.Optional(Type.Integer({ minimum: 1 })),
    capabilities: Type.Optional(Type.Array(Capability)),
    tool_call_format: Type.Optional(ToolCallFormat),
  },
  strict,
);

export const ServerSection = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1 })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    data_dir: Type.Optional(Type.String({ minLength: 1 })),
    /** Free space the data dir's stores leave on its disk: past it they stop growing their file. */
    keep_free_disk: Type.Optional(Type.Union([Type.Literal("auto"), Size])),
    body_limit: Type.Optional(Size),
    /** Requests in flight to all upstreams at once; more wait in the gateway's own line. */
    max_upstream_requests: Type.Optional(Type.Integer({ minimum: 1 })),
    heartbeat: Type.Optional(Duration),
    idle_timeout: Type.Optional(Duration),
    body_timeout: Type.Optional(Duration),
    max_json_depth: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Browser origins allowed to call the API (CORS); any other Origin is refused. */
    allowed_origins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Host header values accepted besides loopback names and the bound address (DNS rebinding). */
    allowed_hosts: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Reverse proxies whose X-Forwarded-For names the real client (e.g. ["127.0.0.1"] behind Caddy). */
    trusted_proxies: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Let several processes share the port (SO_REUSEPORT); off, so a second Wayfront fails loudly. */
    reuse_port: Type.Optional(Type.Boolean()),
    tls: Type.Optional(Type.Object({ cert_file: Type.String({ minLength: 1 }), key_file: Type.String({ minLength: 1 }) }, strict)),
  },
  strict,
);

export const BudgetSection = Type.Object(
  {
    /** Cloud spend allowed per UTC day / calendar month, all keys together (USD). */
    cloud_daily_usd: Type.Optional(Type.Number({ minimum: 0 })),
    cloud_monthly_usd: Type.Optional(Type.Number({ minimum: 0 })),
  },
  strict,
);

export const AuthKeySection = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$" }),
    key_env: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }),
    models: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    rpm: Type.Optional(Type.Integer({ minimum: 1 })),
    tpm: Type.Optional(Type.Integer({ minimum: 1 })),
    streams: Type.Optional(Type.Integer({ minimum: 1 })),
    daily_budget: Type.Optional(Type.Number({ minimum: 0 })),
    admin: Type.Optional(Type.Boolean()),
  },
  strict,
);

export const AuthSection = Type.Object(
  {
    mode: Type.Optional(Type.Union([Type.Literal("auto"), Type.Literal("keys"), Type.Literal("off")])),
    /** Static client keys, each read from an environment variable. */
    keys: Type.Optional(Type.Array(AuthKeySection)),
  },
  strict,
);

/** Wake-on-LAN for a local box that sleeps (README "Waking the GPU box"). */
export const WakeSection = Type.Object(
  {
    // Six hex pairs with one separator throughout, ":" (Linux, macOS) or "-" (Windows' getmac).
    mac: Type.String({
      pattern: "^[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\\1){4}[0-9A-Fa-f]{2}$",
      expected: 'a MAC address: six hex pairs joined by ":" or "-", e.g. "aa:bb:cc:dd:ee:ff"',
    }),
    broadcast: Type.Optional(
      Type.String({
        pattern: "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$",
        expected: 'an IPv4 address, e.g. "192.168.1.255" (the LAN\'s broadcast address)',
      }),
    ),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    wake_interval: Type.Optional(Duration),
    wake_timeout: Type.Optional(Duration),
    while_waking: Type.Optional(Type.Union([Type.Literal("wait"), Type.Literal("cloud")])),
  },
  strict,
);

export const UpstreamSection = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$" }),
    base_url: Type.String({ pattern: "^https?://" }),
    tier: Type.Optional(Tier),
    api_key_env: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" })),
    /** How the key is sent: `authorization: Bearer` (OpenAI-compatible), or Anthropic's `x-api-key`. */
    api_key_header: Type.Optional(Type.Union([Type.Literal("authorization"), Type.Literal("x-api-key")])),
    /** Models this upstream serves in addition to what its /models lists. */
    models: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    wire: Type.Optional(Type.Union([Type.Literal("auto"), Type.Array(Wire, { minItems: 1 })])),
    max_concurrency: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Requests that may wait for one of its slots; more are refused at once with 503 + Retry-After. */
    max_queue: Type.Optional(Type.Integer({ minimum: 0 })),
    first_byte_timeout: Type.Optional(Duration),
    first_token_timeout: Type.Optional(Duration),
    idle_timeout: Type.Optional(Duration),
    max_answer_duration: Type.Optional(Duration),
    max_answer_bytes: Type.Optional(Size),
    /** USD per million input / output tokens, for cloud budgets (defaults known for common cloud models). */
    price_input: Type.Optional(Type.Number({ minimum: 0 })),
    price_output: Type.Optional(Type.Number({ minimum: 0 })),
    /** Extra static headers sent upstream (not for secrets: use api_key_env). */
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** Tool calls a model writes as text become real ones (default "auto" locally, "off" in the cloud). */
    tool_call_format: Type.Optional(ToolCallFormat),
    /** What this upstream's models can take, where its /models doesn't say. */
    model_info: Type.Optional(Type.Record(Type.String({ minLength: 1 }), ModelInfo)),
    /** Wake-on-LAN for this (local) box when it is asleep. */
    wake: Type.Optional(WakeSection),
  },
  strict,
);

export const ModelSection = Type.Object(
  {
    /** "upstream/model", tried in order. */
    targets: Type.Array(Type.String({ pattern: "^[^/]+/.+$", expected: '"upstream/model", e.g. "gpu/qwen2.5-coder:14b"' }), { minItems: 1 }),
    prefer: Type.Optional(Tier),
    busy: Type.Optional(Type.Union([Type.Literal("queue"), Type.Literal("overflow"), Type.Literal("wait")])),
    max_queue_ms: Type.Optional(Type.Integer({ minimum: 0 })),
    midstream: Type.Optional(Type.Union([Type.Literal("error"), Type.Literal("continue")])),
    cache: Type.Optional(CacheMode),
    shared: Type.Optional(Type.Boolean()),
    near: Type.Optional(Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 16 })])),
    /** USD per million tokens, for the "cloud spend avoided" estimate. */
    price_input: Type.Optional(Type.Number({ minimum: 0 })),
    price_output: Type.Optional(Type.Number({ minimum: 0 })),
  },
  strict,
);

export const RoutingSection = Type.Object(
  {
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    deadline: Type.Optional(Duration),
  },
  strict,
);

export const HealthSection = Type.Object(
  {
    interval: Type.Optional(Duration),
    failure_threshold: Type.Optional(Type.Integer({ minimum: 1 })),
    cooldown: Type.Optional(Duration),
    models_refresh: Type.Optional(Duration),
  },
  strict,
);

export const CacheSection = Type.Object(
  {
    mode: Type.Optional(CacheMode),
    // "memory": SQLite in RAM, gone at restart; for an SD card that should not take the cache's writes.
    backend: Type.Optional(Type.Union([Type.Literal("sqlite"), Type.Literal("redis"), Type.Literal("memory")])),
    ttl: Type.Optional(Duration),
    max_bytes: Type.Optional(Size),
    redis_url_env: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" })),
  },
  strict,
);

export const LogSection = Type.Object(
  {
    level: Type.Optional(Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")])),
    format: Type.Optional(Type.Union([Type.Literal("auto"), Type.Literal("json"), Type.Literal("pretty")])),
  },
  strict,
);

export const DemoSection = Type.Object(
  {
    tokens_per_second: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10000 })),
  },
  strict,
);

export const ResponsesSection = Type.Object(
  {
    /** How long a stored response (`store: true`) stays available to previous_response_id. */
    store_ttl: Type.Optional(Duration),
    /** Their total size (the oldest go first past it); a single turn bigger than this is not stored. */
    max_bytes: Type.Optional(Size),
  },
  strict,
);

export const ConfigFile = Type.Object(
  {
    server: Type.Optional(ServerSection),
    upstream: Type.Optional(Type.Array(UpstreamSection)),
    models: Type.Optional(Type.Record(Type.String({ minLength: 1 }), ModelSection)),
    routing: Type.Optional(RoutingSection),
    health: Type.Optional(HealthSection),
    cache: Type.Optional(CacheSection),
    log: Type.Optional(LogSection),
    demo: Type.Optional(DemoSection),
    responses: Type.Optional(ResponsesSection),
    auth: Type.Optional(AuthSection),
    budget: Type.Optional(BudgetSection),
  },
  strict,
);

export type ConfigFile = Static<typeof ConfigFile>;
export type UpstreamSection = Static<typeof UpstreamSection>;
export type ModelSection = Static<typeof ModelSection>;
export type WakeSection = Static<typeof WakeSection>;
