import { expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { restartOnlyChanges } from "../../../src/config/reload.ts";

const cfg = (toml: string, env: Record<string, string> = {}) => resolveConfig(parseConfigText(toml, "t"), "t", env, { dataDir: "/tmp/x" });
const base = `[[upstream]]\nname = "gpu"\nbase_url = "http://127.0.0.1:1/v1"\n`;

test("routing changes swap live; listen address, cache, log and stored-response settings need a restart", () => {
  expect(restartOnlyChanges(cfg(base), cfg(base + `[models.x]\ntargets = ["gpu/m"]\n[routing]\nmax_attempts = 5\n`))).toEqual([]);
  expect(restartOnlyChanges(cfg(base), cfg(`[server]\nport = 5000\n` + base))).toEqual(["server.port"]);
  expect(restartOnlyChanges(cfg(base), cfg(base + `[cache]\nmode = "off"\n[log]\nlevel = "warn"\n`))).toEqual(["cache", "log"]);
  const redis = `[cache]\nbackend = "redis"\n`;
  expect(restartOnlyChanges(cfg(base + redis, { WAYFRONT_REDIS_URL: "redis://a" }), cfg(base + redis, { WAYFRONT_REDIS_URL: "redis://b" }))).toEqual([
    "cache",
  ]);
});
