import { expect, test } from "bun:test";
import { ConfigError, parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";

const gpu = (wake: string, tier = "local") =>
  `[[upstream]]\nname = "gpu"\nbase_url = "http://10.0.0.5:11434/v1"\ntier = "${tier}"\n[upstream.wake]\n${wake}\n`;
const load = (toml: string) => resolveConfig(parseConfigText(toml, "t.toml"), "t.toml", {});
const refused = (toml: string) => {
  try {
    load(toml);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected the config to be refused");
};

test("[upstream.wake] defaults: 255.255.255.255:9, one packet a minute, a 90 s wait, requests wait", () => {
  const w = load(gpu(`mac = "aa:bb:cc:dd:ee:ff"`)).upstreams[0].wake!;
  expect(w).toMatchObject({
    mac: "aa:bb:cc:dd:ee:ff",
    broadcast: "255.255.255.255",
    port: 9,
    intervalMs: 60_000,
    timeoutMs: 90_000,
    whileWaking: "wait",
  });
  expect([...w.macBytes]).toEqual([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
  expect(load(`[[upstream]]\nname = "gpu"\nbase_url = "http://10.0.0.5:11434/v1"\n`).upstreams[0].wake).toBeNull();
});

test("every key set, dashes in the MAC", () => {
  const w = load(
    gpu(`mac = "AA-BB-CC-DD-EE-01"\nbroadcast = "192.168.1.255"\nport = 7\nwake_interval = "30s"\nwake_timeout = "2m"\nwhile_waking = "cloud"`),
  ).upstreams[0].wake!;
  expect(w).toMatchObject({ broadcast: "192.168.1.255", port: 7, intervalMs: 30_000, timeoutMs: 120_000, whileWaking: "cloud" });
  expect([...w.macBytes]).toEqual([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01]);
});

test("a malformed MAC or address, or an unknown policy, is refused naming the key", () => {
  for (const mac of ["aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:gg", "aa:bb-cc:dd:ee:ff", "aabbccddeeff"]) {
    expect(refused(gpu(`mac = "${mac}"`))).toContain("`upstream[0].wake.mac`: expected a MAC address");
  }
  expect(refused(gpu(`mac = "aa:bb:cc:dd:ee:ff"\nbroadcast = "192.168.1.256"`))).toContain("`upstream[0].wake.broadcast`: expected an IPv4 address");
  expect(refused(gpu(`mac = "aa:bb:cc:dd:ee:ff"\nwhile_waking = "queue"`))).toContain("`upstream[0].wake.while_waking`");
  expect(refused(gpu(`broadcast = "10.0.0.255"`))).toContain("mac");
});

test("only a local box is woken", () => {
  expect(refused(gpu(`mac = "aa:bb:cc:dd:ee:ff"`, "cloud"))).toContain(
    '`upstream[0].wake` (`gpu`) is for a local box; this upstream is tier "cloud"',
  );
});
