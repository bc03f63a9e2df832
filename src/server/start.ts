// Wire config, registry, logger and app together and listen.
import { BUN_MAX_HTTP_ENV, fetchLimitFor, upstreamCap } from "../upstream/fetch-cap.ts";
import type { Config } from "../config/resolve.ts";
import { Registry } from "../upstream/registry.ts";
import { Health } from "../upstream/health.ts";
import { gatewayMetrics } from "../status/gateway-metrics.ts";
import { flushStdout, Logger, stdoutIsTerminal } from "../status/log.ts";
import { sqliteKeyStore } from "../auth/key-store.ts";
import { openRelayProblem } from "../auth/open-relay.ts";
import { sharedKeyStore } from "../auth/shared-keys.ts";
import { LocalStreamSlots, SharedStreamSlots } from "../auth/streams.ts";
import { CloudBudget } from "../auth/budget.ts";
import { describeMisroute, misroutes } from "../router/misroute.ts";
import { SharedRateLimits } from "../auth/limits.ts";
import { buildApp, unhandled } from "./app.ts";
import type { Gateway } from "./gateway.ts";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { openDb } from "../db/open.ts";
import { responseCache } from "../cache/front.ts";
import { spillDir } from "../cache/spill.ts";
import { dbPath, openCacheStore } from "../cache/open-store.ts";
import { restartOnlyChanges } from "../config/reload.ts";
import { type RedisCommands, redisConnection } from "../db/redis-connection.ts";
import { memoryAdvice, readRedisMemory } from "../db/redis-memory.ts";
import { ResponseStore } from "../db/responses.ts";
import { StoredResponses } from "../db/stored-responses.ts";
import { EventLog } from "../status/events.ts";
import { Traffic } from "../status/traffic.ts";
import { cacheOutageEvents, cacheWriteEvents, watchStore } from "../cache/watch.ts";
import { diskRoom, type DiskState } from "../db/disk-room.ts";

export interface Running {
  url: string;
  port: number;
  gateway: Gateway;
  stop(drainMs?: number): Promise<void>;
  /** Swap in a new config; returns the changed settings that still need a restart. */
  reload(next: Config): string[];
}

export function startGateway(config: Config, version: string, opts: { write?: (line: string) => void; allowOpen?: boolean } = {}): Running {
  const pretty = config.log.format === "pretty" || (config.log.format === "auto" && !opts.write && stdoutIsTerminal());
  const log = new Logger(config.log.level, pretty, opts.write);
  const registry = new Registry(config);
  mkdirSync(config.server.dataDir, { recursive: true });
  const db = openDb(dbPath(config));
  const events = new EventLog(log);
  // One event when the cache backend fails and one when it answers again, not a line per failed
  // call; the same for the file's writes alone (a full disk fails them while lookups work).
  const cacheOutage = cacheOutageEvents(events, config.cache.backend);
  const cacheError = (err: unknown) => cacheOutage.failed(err);
  const writes = cacheWriteEvents(events, config.cache.backend);
  const disk = dataDirRoom(config, events);
  const store = openCacheStore(config, { db, onError: (err) => writes.failed(err), onWritten: () => writes.ok(), disk });
  // The memory backend writes no file, so its large answers are assembled in memory too.
  const spill = config.cache.backend === "memory" ? undefined : spillDir(join(config.server.dataDir, "spill"));
  const cache = responseCache(config, watchStore(store, cacheOutage), { onError: cacheError, spill });
  const health = new Health(config, registry, undefined, { events });
  const shared = config.cache.backend === "redis" && config.cache.redisUrl ? redisConnection(config.cache.redisUrl.reveal(), 250) : null;
  const responses = new StoredResponses(
    new ResponseStore(db, config.responses.storeTtlMs, { maxBytes: config.responses.maxBytes, disk }),
    shared,
    config.responses.storeTtlMs,
    (err) => log.event("warn", "shared response store unavailable", { message: (err as Error)?.message ?? String(err) }),
  );
  const sharedDown = (what: string) => (err: unknown) =>
    log.event("warn", `shared ${what} unavailable: counting in this instance`, { message: (err as Error)?.message ?? String(err) });
  const sharedUp = (what: string) => () => log.event("info", `shared ${what} available again`, {});
  // Aborted when a shutdown's drain is over: streams still open end with their terminal event.
  const closing = new AbortController();
  const keys = sqliteKeyStore(db, {
    staticKeys: config.auth.staticKeys,
    onError: (err) => log.event("warn", "could not note a key's use", { message: (err as Error)?.message ?? String(err) }),
  });
  const gateway: Gateway = {
    config,
    registry,
    health,
    metrics: gatewayMetrics(),
    log,
    events,
    traffic: new Traffic(),
    version,
    db,
    cache,
    responses,
    closing: closing.signal,
    // With a shared Redis, keys made or revoked on any instance count here too.
    keys: shared ? sharedKeyStore(keys, shared, { onError: sharedDown("client keys") }) : keys,
    // With a shared Redis, limits and cloud spend count for every instance; while it is down
    // each instance counts on its own (warned once per outage).
    budget: new CloudBudget(db, Date.now, shared && { redis: shared, onDown: sharedDown("cloud spend"), onUp: sharedUp("cloud spend") }, {
      onUnsaved: (err) =>
        log.event("warn", "cloud spend not written to the data file: counted in memory until it can be", {
          message: (err as Error)?.message ?? String(err),
        }),
      onSaved: () => log.event("info", "cloud spend written to the data file again", {}),
    }),
    streams: shared ? new SharedStreamSlots(shared, sharedDown("stream counts")) : new LocalStreamSlots(),
    ...(shared ? { limits: new SharedRateLimits(shared, undefined, { onDown: sharedDown("rate limits"), onUp: sharedUp("rate limits") }) } : {}),
  };
  // Never an open relay by accident: bound beyond loopback with a cloud key and nobody asked.
  // The stored keys are counted only when that decides it (not a query in front of every start).
  const keysExist = () => config.auth.staticKeys.length > 0 || keys.list().length > 0;
  const open = opts.allowOpen || !openRelayProblem(config, false) ? null : openRelayProblem(config, keysExist());
  if (open) {
    cache.close();
    responses.close();
    keys.close();
    db.close();
    throw new Error(open);
  }
  if (opts.allowOpen && openRelayProblem(config, false))
    log.event("warn", "open to the network (--allow-open): anyone who can reach this port may use every upstream", {});
  registry.start();
  health.start();
  warnMisroutes(gateway);
  const app = buildApp(gateway);
  try {
    app.listen({
      hostname: config.server.host,
      port: config.server.port,
      // Elysia turns SO_REUSEPORT on; then a second Wayfront on the same port starts "fine"
      // and the kernel splits connections between the two. Off unless server.reuse_port.
      reusePort: config.server.reusePort,
      ...(config.server.tls ? { tls: tlsFiles(config.server.tls) } : {}),
      // Never Bun's development error page (it shows source code and the working directory),
      // whatever NODE_ENV says; errors are answered by app.ts, and by `error` below if all else fails.
      development: false,
      error: (err) => unhandled(gateway, null, err, "BUN"),
      // Our own limit (server.body_limit) answers every over-limit body with an OpenAI 413 as it
      // counts (body.ts); Bun's cap would answer a bare 413 or cut the connection first, so it
      // is out of the way.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      // Idle sockets are closed (Bun counts whole seconds, at most 255); a request being served
      // lifts this for itself (app.ts), since answers may be silent for minutes.
      idleTimeout: Math.min(255, Math.max(1, Math.ceil(config.server.idleTimeoutMs / 1000))),
    });
  } catch (err) {
    // Nothing is served: stop what started, so the caller (a test, `serve`) is left with no timers or open files.
    registry.stop();
    health.stop();
    cache.close();
    responses.close();
    keys.close();
    db.close();
    throw listenError(err, config);
  }
  const port = app.server!.port!;
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  const url = `${config.server.tls ? "https" : "http"}://${host}:${port}`;
  log.event("info", "listening", {
    url,
    config: config.source,
    upstreams: config.upstreams.map((u) => `${u.name} (${u.tier}${u.demo ? ", fake demo model" : ""})`),
    version,
  });
  const fetchCap = upstreamCap(config.server.maxUpstreamRequests, fetchLimitFor(config.upstreams));
  if (fetchCap.limitedByBun) {
    log.event("info", "upstream requests capped by Bun's fetch", {
      in_flight_at_most: fetchCap.cap,
      configured: config.server.maxUpstreamRequests,
      raise_with: `${BUN_MAX_HTTP_ENV}=${config.server.maxUpstreamRequests} (set by npm start and the service units)`,
    });
  }
  if (shared) void warnRedisMemory(shared, log);
  return {
    url,
    port,
    gateway,
    reload(next: Config) {
      const before = gateway.config;
      const registry = new Registry(next, gateway.registry);
      const health = new Health(next, registry, { health: gateway.health, config: before }, { events });
      const old = { registry: gateway.registry, health: gateway.health };
      // One synchronous swap: every request from here on sees the new config whole.
      gateway.config = next;
      gateway.registry = registry;
      gateway.health = health;
      old.registry.stop();
      old.health.stop();
      registry.start();
      health.start();
      warnMisroutes(gateway);
      const restart = restartOnlyChanges(before, next);
      events.emit({ type: "config_reloaded", config: next.source, upstreams: next.upstreams.map((u) => u.name), restart_needed: restart });
      return restart;
    },
    /** Stop taking requests, let those in flight finish (streams included) for up to drainMs, then close. */
    async stop(drainMs = 0) {
      gateway.registry.stop();
      gateway.health.stop();
      const server = app.server!;
      const inFlight = server.pendingRequests;
      if (drainMs > 0 && inFlight > 0) log.event("info", "draining", { in_flight: inFlight, max_ms: drainMs });
      // Bun's graceful stop waits for every open response, however long a stream runs; bound it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const drained = await Promise.race([
        server.stop(false).then(() => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), drainMs))),
      ]);
      clearTimeout(timer);
      if (!drained) {
        // Streams still open get their protocol's terminal error event, not a cut connection;
        // a moment for those bytes to leave before the sockets close.
        closing.abort(new Error("shutting down"));
        await new Promise((r) => setTimeout(r, 50));
      }
      await server.stop(true);
      cache.close(); // flushes queued cache writes into db first
      responses.close();
      keys.close();
      db.close();
      flushStdout(); // the last lines, before a caller exits
    },
  };
}

/** Bun's native TLS from the PEM files of [server.tls]; a missing file is named, not a bare ENOENT. */
function tlsFiles(tls: { certFile: string; keyFile: string }): { cert: ReturnType<typeof Bun.file>; key: ReturnType<typeof Bun.file> } {
  for (const [key, path] of [
    ["cert_file", tls.certFile],
    ["key_file", tls.keyFile],
  ] as const) {
    if (!existsSync(path)) throw new Error(`server.tls.${key}: ${path} does not exist`);
  }
  return { cert: Bun.file(tls.certFile), key: Bun.file(tls.keyFile) };
}

/** What `serve` prints when the port cannot be had: one plain sentence, never a stack. */
function listenError(err: unknown, config: Config): Error {
  const e = err as { code?: unknown; message?: unknown } | null;
  const port = config.server.port;
  if (e?.code === "EADDRINUSE") return new Error(`port ${port} is already in use (another Wayfront?) — stop it or pick another with --port`);
  if (err instanceof Error && err.message.startsWith("server.tls.")) return err;
  const why = typeof e?.message === "string" ? e.message : String(err);
  if (e?.code === "EACCES")
    return new Error(`cannot listen on port ${port}: permission denied (ports below 1024 need privileges) — pick another with --port`);
  // Bun says ENOENT when the host is not an address at all (e.g. 999.1.1.1) or does not resolve.
  if (e?.code === "EADDRNOTAVAIL" || e?.code === "ENOENT" || e?.code === "ENOTFOUND" || /\bENOENT\b/.test(why))
    return new Error(`cannot listen on ${config.server.host}: not an address of this machine — pick another with --host`);
  return new Error(`cannot listen on ${config.server.host}:${port}: ${why}`);
}

/** Once the model lists are in: every target its upstream does not list, named with a did-you-mean. */
function warnMisroutes(gw: Gateway): void {
  const { registry, config } = gw;
  void registry.refresh().then(() => {
    if (gw.registry !== registry) return; // a reload swapped it meanwhile
    for (const m of misroutes(config, registry)) {
      gw.log.event("warn", "target not served by its upstream", {
        alias: m.alias,
        target: `${m.upstream}/${m.model}`,
        did_you_mean: m.suggestions,
        problem: describeMisroute(m),
      });
    }
  });
}

/** One warning at start when the shared Redis, once full, could drop what Wayfront must keep. */
async function warnRedisMemory(redis: RedisCommands, log: Logger): Promise<void> {
  const m = await readRedisMemory(redis);
  const problem = m && memoryAdvice(m);
  try {
    if (problem) log.event("warn", "redis memory settings", { problem, maxmemory_policy: m.policy, maxmemory: m.maxmemory });
  } catch {} // the gateway may have stopped (and its log closed) in the meantime
}

/** The data dir's disk, told to the event log when it passes `server.keep_free_disk` and when it is back. */
function dataDirRoom(config: Config, events: EventLog) {
  const dir = config.server.dataDir;
  const tell = (type: "disk_low" | "disk_ok") => (s: DiskState) =>
    events.emit({ type, data_dir: dir, free_bytes: s.freeBytes, keep_free_bytes: s.keepBytes });
  return diskRoom(dir, config.server.keepFreeDisk, { onLow: tell("disk_low"), onOk: tell("disk_ok") });
}
