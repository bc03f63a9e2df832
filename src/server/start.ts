// Wire config, registry, logger and app together and listen.
import type { Config } from "../config/resolve.ts";
import { Registry } from "../upstream/registry.ts";
import { Logger } from "../status/log.ts";
import { buildApp } from "./app.ts";
import type { Gateway } from "./gateway.ts";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openDb } from "../db/open.ts";

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
  const gateway: Gateway = { config, registry, log, version, db };
  registry.start();
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
      await app.stop();
      db.close();
    },
  };
}
