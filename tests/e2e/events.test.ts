// The event log over HTTP: each state transition is one JSON line in the gateway's log and one
// entry in /status.json's `events` (newest first); a transition noticed again (a second failed
// probe, another failed request) is not logged again.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { startLocalAndCloud, type LocalAndCloud } from "../helpers/local-and-cloud.ts";
import { spawnGateway } from "../helpers/process.ts";
import { status, until, upstreamStatus } from "../helpers/wait.ts";

let env: LocalAndCloud;
const SECTIONS = `[health]\ninterval = "1h"\nfailure_threshold = 2\ncooldown = "300ms"\n[budget]\ncloud_daily_usd = 0.01\n`;
// Priced so that one answer (a few dozen tokens) passes the whole $0.01 budget at once.
const CLOUD_PRICED = `price_input = 10000\nprice_output = 10000\n`;
const MODELS = `[models."coder"]\ntargets = ["gpu/m", "cloud/big"]\n[models."cloudy"]\ntargets = ["cloud/big"]\n`;

beforeAll(async () => {
  env = await startLocalAndCloud({ sections: SECTIONS, models: MODELS });
  // The cloud mock's prices live on its [[upstream]] block: reload once with them (a reload event, too).
  await reloadWith(CLOUD_PRICED);
});
afterAll(() => env.stop());

async function reloadWith(cloudExtra: string) {
  const { gpu, cloud, gw } = env;
  const toml =
    SECTIONS +
    `[[upstream]]\nname = "gpu"\nbase_url = "${gpu.url}"\n\n` +
    `[[upstream]]\nname = "cloud"\nbase_url = "${cloud.url}"\ntier = "cloud"\n${cloudExtra}\n` +
    MODELS;
  const next = resolveConfig(parseConfigText(toml, "test.toml"), "test.toml", {}, { host: "127.0.0.1", port: 0, dataDir: gw.dataDir });
  return gw.reload(next);
}

const lines = (event: string) => env.gw.logs.filter((l) => l.includes(`"event":"${event}"`)).map((l) => JSON.parse(l));
const events = async () => (await status(env.gw.url)).events as { type: string; upstream?: string }[];
const ask = (model: string) =>
  fetch(`${env.gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: `ev ${crypto.randomUUID()}` }] }),
  }).then(async (r) => (await r.text(), r));

test("a config reload that applies is one event line, also in /status.json", async () => {
  const [line] = lines("config_reloaded");
  expect(line).toMatchObject({ level: "info", msg: "config reloaded", event: "config_reloaded", config: "test.toml", upstreams: ["gpu", "cloud"] });
  expect(line.type).toBeUndefined();
  const [newest] = (await events()).filter((e) => e.type === "config_reloaded");
  expect(newest).toMatchObject({ type: "config_reloaded", msg: "config reloaded", restart_needed: [] });
});

test("an upstream that goes down is logged once, however many probes fail; once again when it is back", async () => {
  const { gpu, gw } = env;
  gpu.down();
  await gw.gateway.health.probeAll();
  await gw.gateway.health.probeAll(); // the second failed probe: no new line
  const down = lines("upstream_unreachable").filter((l) => l.upstream === "gpu");
  expect(down).toHaveLength(1);
  expect(down[0]).toMatchObject({ level: "warn", msg: "upstream unreachable", upstream: "gpu" });
  expect(down[0].reason).toContain("refused");
  expect(lines("upstream_reachable")).toHaveLength(0);
  // Two failed probes are two failures in a row: the circuit opened too, once.
  expect(lines("circuit_open").filter((l) => l.upstream === "gpu")).toHaveLength(1);
  const s = await status(gw.url);
  expect(upstreamStatus(s, "gpu").reachable).toBe(false);
  expect(s.events[0].type === "circuit_open" || s.events[0].type === "upstream_unreachable").toBe(true);

  await gpu.up();
  await until(
    () => status(gw.url),
    (x) => upstreamStatus(x, "gpu").circuit === "half-open",
    "the cool-down to pass",
  );
  await gw.gateway.health.probeAll();
  await gw.gateway.health.probeAll();
  const back = lines("upstream_reachable");
  expect(back).toHaveLength(1);
  expect(back[0]).toMatchObject({ level: "info", msg: "upstream reachable again", upstream: "gpu" });
  expect(typeof back[0].down_for_s).toBe("number");
  expect(lines("circuit_half_open").filter((l) => l.upstream === "gpu")).toHaveLength(1);
  expect(lines("circuit_closed").filter((l) => l.upstream === "gpu")).toHaveLength(1);
  const types = (await events()).map((e) => e.type);
  // Newest first: closed after reachable after half-open after open.
  expect(types.indexOf("circuit_closed")).toBeLessThan(types.indexOf("circuit_half_open"));
  expect(types.indexOf("circuit_half_open")).toBeLessThan(types.indexOf("circuit_open"));
});

test("failed requests trip the circuit: one 'circuit open' line, not one per failure", async () => {
  const before = lines("circuit_open").length;
  for (let i = 0; i < 4; i++) expect((await ask("gpu/m+error:500")).status).toBeGreaterThanOrEqual(500);
  const opened = lines("circuit_open").slice(before);
  expect(opened).toHaveLength(1);
  expect(opened[0]).toMatchObject({ upstream: "gpu", reason: "2 consecutive failures", msg: "circuit open" });
  expect(opened[0].retry_in_s).toBeGreaterThanOrEqual(0);
  const s = await status(env.gw.url);
  expect(s.events.find((e: { type: string }) => e.type === "circuit_open")).toMatchObject({ upstream: "gpu", reason: "2 consecutive failures" });
});

test("a cloud budget passing 80 % and 100 % is one line each, once per day", async () => {
  const r = await ask("cloudy");
  expect(r.headers.get("x-wayfront-upstream")).toBe("cloud");
  // One answer jumps past both thresholds: both are said, in order; the next request is refused, no new line.
  expect((await ask("cloudy")).status).toBe(429);
  const passed = lines("budget_threshold");
  expect(passed.map((l) => l.percent)).toEqual([80, 100]);
  expect(passed[0]).toMatchObject({ level: "warn", msg: "budget threshold passed", budget: "cloud_daily_usd", key: null, limit_usd: 0.01 });
  expect(passed[1].spent_usd).toBeGreaterThanOrEqual(0.01);
  const s = await status(env.gw.url);
  expect(s.events.filter((e: { type: string }) => e.type === "budget_threshold")).toHaveLength(2);
});

test("a refused reload (SIGHUP with a broken file) is an event line and in /status.json, without the file's secrets", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wayfront-events-"));
  const file = join(dir, "c.toml");
  writeFileSync(file, `[[upstream]]\nname = "gpu"\nbase_url = "${env.gpu.url}"\n`);
  const gw = await spawnGateway([
    process.execPath,
    join(import.meta.dir, "../../src/main.ts"),
    "--config",
    file,
    "--port",
    "0",
    "--data-dir",
    join(dir, "d"),
  ]);
  try {
    // The SIGHUP handler is set once serve() is past start-up: an answered request says so.
    expect((await fetch(gw.url + "/status.json")).status).toBe(200);
    writeFileSync(file, `[[upstream]]\nname = "gpu"\nbase_url = "http://u:sk-hunter2secret@127.0.0.1:1/v1"\ntier = "gpu"\n`);
    gw.proc.kill("SIGHUP");
    const line = await until(() => gw.lines.find((l) => l.includes('"event":"config_reload_refused"')), Boolean, "the refusal");
    const parsed = JSON.parse(line!);
    expect(parsed).toMatchObject({ level: "error", msg: "config reload failed; keeping the running config", event: "config_reload_refused" });
    expect(parsed.message).toContain("upstream[0].tier");
    expect(line).not.toContain("hunter2");
    const s = await (await fetch(gw.url + "/status.json")).json();
    expect(s.events[0]).toMatchObject({ type: "config_reload_refused", level: "error" });
    expect(JSON.stringify(s.events)).not.toContain("hunter2");
  } finally {
    await gw.stop();
  }
}, 30_000);
