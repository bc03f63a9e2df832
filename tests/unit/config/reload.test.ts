import { expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { noUpstreamsProblem, refuseReload, restartOnlyChanges } from "../../../src/config/reload.ts";
import { ConfigError } from "../../../src/config/load.ts";

const cfg = (toml: string, env: Record<string, string> = {}, demo = false) =>
  resolveConfig(parseConfigText(toml, "t"), "t", env, { dataDir: "/tmp/x", demo });
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

test("a reload to a config with no upstreams (an empty file, a comment, only settings) is refused", () => {
  for (const toml of ["", "\n# nothing yet\n", `[server]\nport = 5000\n[routing]\nmax_attempts = 2\n`]) {
    expect(() => refuseReload(cfg(toml))).toThrow(ConfigError);
    expect(() => refuseReload(cfg(toml))).toThrow("t declares no [[upstream]]");
    expect(noUpstreamsProblem(cfg(toml))).toContain("declares no [[upstream]]");
  }
  // The --demo model alone doesn't count: the file itself still names nothing.
  expect(() => refuseReload(cfg("", {}, true))).toThrow("would drop every upstream and alias");
});

test("a reload to a config with an upstream passes the check", () => {
  expect(() => refuseReload(cfg(base))).not.toThrow();
  expect(() => refuseReload(cfg(base, {}, true))).not.toThrow();
  expect(noUpstreamsProblem(cfg(base))).toBeNull();
});
