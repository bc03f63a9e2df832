// Client keys shared through the Redis backend: a key made with the CLI on one instance's data
// dir is accepted by another instance, and a revoke run on the other one's data dir stops it on
// both; nothing secret reaches Redis. Real gateway processes, a real redis-server.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startRedis } from "../helpers/redis.ts";
import { runCli, spawnGateway, type GatewayProcess } from "../helpers/process.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { upstreamToml } from "../helpers/gateway.ts";
import { until } from "../helpers/wait.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const UPSTREAM_KEY = "sk-upstream-in-redis-RECOGNISABLE-31337";
const dir = mkdtempSync(join(tmpdir(), "wayfront-keys-redis-"));
let redis: Subprocess | null = null;
let redisUrl = "";
let mock: MockUpstream;
let file: string;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  const r = await startRedis();
  redis = r.proc;
  redisUrl = r.url;
  mock = await startMockUpstream({ models: ["m"], apiKey: UPSTREAM_KEY, wire: ["chat"] });
  file = join(dir, "wayfront.toml");
  writeFileSync(file, `[cache]\nbackend = "redis"\n` + upstreamToml("gpu", mock.url, `models = ["m"]\nwire = ["chat"]\napi_key_env = "UP_KEY"`));
  const instance = (name: string) =>
    spawnGateway([process.execPath, MAIN, "--config", file, "--port", "0", "--data-dir", join(dir, name)], {
      WAYFRONT_REDIS_URL: redisUrl,
      UP_KEY: UPSTREAM_KEY,
    });
  [a, b] = await Promise.all([instance("a"), instance("b")]);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await mock?.stop();
  redis?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const keys = (data: string, ...argv: string[]) =>
  runCli([process.execPath, MAIN, "keys", ...argv, "--config", file, "--data-dir", join(dir, data)], { WAYFRONT_REDIS_URL: redisUrl });
const ask = (g: GatewayProcess, key: string) =>
  fetch(`${g.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "gpu/m", temperature: 0, messages: [{ role: "user", content: "shared" }] }),
  });

test("a key made on one instance works on the other; revoked from the other, it stops on both", async () => {
  const made = await keys("a", "create", "--name", "laptop");
  expect(made.code).toBe(0);
  const key = /^wf-[A-Za-z0-9]{20,}$/m.exec(made.stdout)![0];
  expect((await ask(a, key)).status).toBe(200);
  expect((await ask(b, key)).status).toBe(200); // b's data dir has never heard of it
  // A stored conversation too, so Redis holds cache entries, stored responses and keys.
  const stored = await fetch(`${a.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "gpu/m", input: "keep me" }),
  });
  expect(stored.status).toBe(200);
  const { id } = await stored.json();
  // Mirrored to Redis off the response path: wait until the other instance can read it back.
  await until(
    () => fetch(`${b.url}/v1/responses/${id}`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status),
    (st) => st === 200,
    "the stored turn to reach Redis",
  );
  // Nothing secret in any Redis row: only a hash names a key's record.
  const client = new Bun.RedisClient(redisUrl);
  const all = (await client.send("KEYS", ["*"])) as string[];
  const values = await Promise.all(
    all.map(async (k) => ((await client.send("TYPE", [k])) === "hash" ? client.send("HGETALL", [k]) : client.send("GET", [k]))),
  );
  client.close();
  const dump = JSON.stringify([all, values]);
  expect(all.some((k) => k.startsWith("wayfront:key:"))).toBe(true);
  expect(dump).toContain("keep me"); // the stored turn is there to be searched
  for (const secret of [key, key.slice(3), UPSTREAM_KEY]) expect(dump).not.toContain(secret);
  // Revoked through b's data dir (where it was never made): both refuse it, within seconds.
  const revoked = await keys("b", "revoke", "laptop");
  expect(revoked.code).toBe(0);
  for (const g of [a, b]) {
    let status = 200;
    for (let i = 0; i < 80 && status === 200; i++) {
      await Bun.sleep(100);
      status = (await ask(g, key)).status;
    }
    expect(status).toBe(401);
  }
}, 30_000);
