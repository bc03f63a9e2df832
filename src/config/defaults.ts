// Named defaults, each with the reason it is what it is.
import { homedir } from "node:os";
import { join } from "node:path";

export const DEFAULT_HOST = "127.0.0.1"; // loopback until the user decides to expose it
export const DEFAULT_PORT = 4141;
/** Coding agents send whole files and long histories; 32 MiB leaves room for big contexts. */
export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
/** Under the 30-60 s idle timeouts of common reverse proxies (nginx proxy_read_timeout is 60 s). */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** A connection that sends nothing (no request, or a stalled upload) is closed after this. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/**
 * A request being served has no idle cut-off (answers take minutes), so a client that sends
 * its headers and then stalls mid-body would hold a connection forever. 30 s moves a 32 MiB
 * body (body_limit) at ~1 MB/s; real requests, even long agent histories, are far smaller.
 */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/**
 * Real requests nest a dozen levels (tool schemas are the deepest); 512 leaves room for any
 * JSON Schema while keeping every recursive walk of a body (cache key, fit estimate,
 * translator) far from the stack's limit, which a few tens of thousands of levels reach.
 */
export const DEFAULT_MAX_JSON_DEPTH = 512;
/** Local servers may load a model from disk before the first byte: minutes on a big model. */
export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 300_000;
export const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 300_000;
/** Silence between two reads of an answer. Generous: a slow local model pauses between tokens. */
export const DEFAULT_UPSTREAM_IDLE_MS = 60_000;
/** A whole answer, from its headers to its end: long generations on a small GPU take minutes. */
export const DEFAULT_MAX_ANSWER_MS = 30 * 60_000;
/** Far above any real answer (a long agent turn is well under 1 MiB), and bounded all the same. */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_DEADLINE_MS = 600_000;
export const DEFAULT_HEALTH_INTERVAL_MS = 10_000;
export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_COOLDOWN_MS = 30_000;
/** Model lists change when someone pulls a model; a minute is fresh enough and cheap. */
export const DEFAULT_MODELS_REFRESH_MS = 60_000;
export const DEFAULT_MAX_QUEUE_MS = 30_000;
/** Wake-on-LAN's customary port ("discard"); 7 is the other one some cards listen on. */
export const DEFAULT_WAKE_PORT = 9;
/** The limited broadcast, which reaches the sender's own LAN segment on any network. */
export const DEFAULT_WAKE_BROADCAST = "255.255.255.255";
/** One packet a minute: a box resumes from suspend in seconds and boots in under one, so more is noise. */
export const DEFAULT_WAKE_INTERVAL_MS = 60_000;
/** Enough for a resume from suspend (seconds) or a cold boot plus a model server's start (about a minute). */
export const DEFAULT_WAKE_TIMEOUT_MS = 90_000;
export const DEFAULT_CACHE_TTL_MS = 7 * 24 * 3_600_000;
export const DEFAULT_CACHE_MAX_BYTES = 512 * 1024 * 1024;
export const DEFAULT_DEMO_TOKENS_PER_SECOND = 20;
/** Matches OpenAI's retention of stored responses (30 days), so clients see the same lifetime. */
export const DEFAULT_RESPONSES_STORE_TTL_MS = 30 * 24 * 3_600_000;
/**
 * Stored responses hold whole conversations, one row per turn, for 30 days: clients that leave
 * `store` at its default (true) and send their full history each turn add a copy of it per
 * request. Bounded, oldest first, so the data dir on a Pi's card cannot grow without end.
 */
export const DEFAULT_RESPONSES_MAX_BYTES = 256 * 1024 * 1024;
export const DEMO_UPSTREAM = "demo";
export const DEMO_MODEL = "wayfront-demo";

/**
 * The variable whose key adds OpenAI to the embedded default. Not OPENAI_API_KEY: the SDKs
 * and tools pointed at Wayfront need that one set to anything (the README says "local"),
 * and reading it here turned that placeholder into a real cloud upstream probed every 10 s.
 */
export const EMBEDDED_OPENAI_KEY_ENV = "WAYFRONT_OPENAI_API_KEY";

/** The embedded config used when no file is given: a local Ollama, plus OpenAI when its key is set. */
export function embeddedConfigText(env: Record<string, string | undefined>): string {
  let text = `[[upstream]]
name = "ollama"
base_url = "http://127.0.0.1:11434/v1"
tier = "local"
`;
  if (env[EMBEDDED_OPENAI_KEY_ENV]) {
    text += `
[[upstream]]
name = "openai"
base_url = "https://api.openai.com/v1"
api_key_env = "${EMBEDDED_OPENAI_KEY_ENV}"
tier = "cloud"
`;
  }
  return text;
}

/** Where SQLite lives when --data-dir is not given: the platform's per-user data directory. */
export function platformDataDir(env: Record<string, string | undefined>, platform = process.platform): string {
  if (platform === "win32") return join(env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "wayfront");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "wayfront");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "wayfront");
}

/**
 * How many requests may wait for a busy upstream's slots by default: four per slot, at least
 * eight. Enough for an agent's bursts of parallel calls; beyond it every waiter only waits
 * longer (a local GPU does not get faster with a longer line), so the rest are refused at
 * once and retried. Unlimited concurrency has no line at all.
 */
export function defaultMaxQueue(maxConcurrency: number): number {
  return maxConcurrency > 0 ? Math.max(8, 4 * maxConcurrency) : Number.POSITIVE_INFINITY;
}

/**
 * Requests in flight to all upstreams at once. Bun's fetch runs at most
 * BUN_CONFIG_MAX_HTTP_REQUESTS (256 unless raised, read once at process start) and queues the
 * rest where nothing can see them; the gateway keeps its own line below that (upstream/fetch-cap.ts),
 * and the service units and `npm start` raise Bun's limit to this.
 */
export const DEFAULT_MAX_UPSTREAM_REQUESTS = 4096;
