// Wire config, registry, logger and app together and listen.
import type { Config } from "../config/resolve.ts";
import { Registry } from "../upstream/registry.ts";
import { Health } from "../upstream/health.ts";
import { gatewayMetrics } from "../status/gateway-metrics.ts";
import { Logger } from "../status/log.ts";
import { buildApp } from "./app.ts";
import type { Gateway } from "./gateway.ts";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openDb } from "../db/open.ts";
import { gatewayCache } from "../cache/gateway-cache.ts";
import { openCacheStore } from "../cache/open-store.ts";

export interface Running {
  url: string;
  port: number;
  gateway: Gateway;
  stop(): Promise<void>;
}

export function startGateway(config: Config, version: string, opts: { write?: (line: string) => void } = {}): Running {
  const log = new Logger(config.log.level, config.log.format === "pretty", opts.write);
  const registry = new Registry(config);
  mkdirSync(config.server.dataDir, { recursive: true });
  const db = openDb(join(config.server.dataDir, "wayfront.sqlite"));
  const cacheError = (err: unknown) => log.event("warn", "cache unavailable", { message: (err as Error)?.message ?? String(err) });
  const cache = gatewayCache(config, openCacheStore(config, { db, onError: cacheError }), cacheError);
  const health = new Health(config, registry);
  const gateway: Gateway = { config, registry, health, metrics: gatewayMetrics(), log, version, db, cache };
  registry.start();
  health.start();
  const app = buildApp(gateway);
  app.listen({
    hostname: config.server.host,
    port: config.server.port,
    // Our own limit (server.body_limit) answers with an OpenAI error; Bun's must not trigger first.
    maxRequestBodySize: config.server.bodyLimit + 1024 * 1024,
    // Streams may be silent for a while between heartbeats; 0 disables Bun's 10 s idle timeout.
    idleTimeout: 0,
  });
  const port = app.server!.port!;
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}`;
  log.event("info", "listening", {
    url,
    config: config.source,
    upstreams: config.upstreams.map((u) => `${u.name} (${u.tier}${u.demo ? ", fake demo model" : ""})`),
    version,
  });
  return {
    url,
    port,
    gateway,
    async stop() {
      registry.stop();
      health.stop();
      await app.stop();
      cache.close(); // flushes queued cache writes into db first
      db.close();
    },
  };
}
