import { expect, test } from "bun:test";
import { openRelayProblem } from "../../../src/auth/open-relay.ts";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";

const config = (host: string, tier: "local" | "cloud", mode = "auto") =>
  resolveConfig(
    parseConfigText(`[auth]\nmode = "${mode}"\n[[upstream]]\nname = "up"\nbase_url = "http://127.0.0.1:9/v1"\ntier = "${tier}"\n`, "t.toml"),
    "t.toml",
    {},
    { host, port: 0, dataDir: "/tmp/wf-open-relay" },
  );

test("bound beyond loopback with a cloud upstream and no keys: refused, saying why and what to do", () => {
  const why = openRelayProblem(config("0.0.0.0", "cloud"), false);
  expect(why).toContain("no client keys");
  expect(why).toContain("wayfront keys create");
  expect(why).toContain("--allow-open");
  expect(openRelayProblem(config("0.0.0.0", "cloud", "off"), true)).toContain('"off"');
});

test("loopback, local-only upstreams, or keys in force: fine", () => {
  expect(openRelayProblem(config("127.0.0.1", "cloud"), false)).toBeNull();
  expect(openRelayProblem(config("::1", "cloud"), false)).toBeNull();
  expect(openRelayProblem(config("0.0.0.0", "local"), false)).toBeNull();
  expect(openRelayProblem(config("0.0.0.0", "cloud"), true)).toBeNull();
  expect(openRelayProblem(config("0.0.0.0", "cloud", "keys"), true)).toBeNull();
});
