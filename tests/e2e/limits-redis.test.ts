// Rate limits shared through Redis: two gateway instances on one real redis-server count a
// key's requests together; with Redis killed each instance counts on its own (still limited,
// never unlimited) and says so once in its log.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { startRedis } from "../helpers/redis.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { until } from "../helpers/wait.ts";
import type { ClientKey, KeyStore } from "../../src/auth/key.ts";

let mock: MockUpstream;
let redis: Subprocess | null = null;
let a: TestGateway;
let b: TestGateway;

const key = (name: string, rpm: number): ClientKey => ({
  name,
  models: null,
  rpm,
  tpm: null,
  dailyBudgetUsd: null,
  admin: false,
  namespace: `key:${name}`,
});
const KEYS: Record<string, ClientKey> = {};
const fakeStore: KeyStore = { verify: async (t) => KEYS[t] ?? null, any: async () => true, touch() {} };

beforeAll(async () => {
  const r = await startRedis();
  redis = r.proc;
  mock = await startMockUpstream({ models: ["m"] });
  const toml = `[cache]\nbackend = "redis"\nredis_url_env = "WF_LIMITS_REDIS"\n` + upstreamToml("gpu", mock.url, `models = ["m"]`);
  [a, b] = await Promise.all([
    startTestGateway(toml, { env: { WF_LIMITS_REDIS: r.url } }),
    startTestGateway(toml, { env: { WF_LIMITS_REDIS: r.url } }),
  ]);
  a.gateway.keys = fakeStore;
  b.gateway.keys = fakeStore;
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await mock?.stop();
  redis?.kill();
});

const chat = (gw: TestGateway, secret: string) =>
  fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: "gpu/m", temperature: 0, messages: [{ role: "user", content: `limits ${crypto.randomUUID()}` }] }),
  });
const statuses = async (gws: TestGateway[], secret: string) => {
  const out: number[] = [];
  for (const gw of gws) {
    const r = await chat(gw, secret);
    await r.arrayBuffer();
    out.push(r.status);
  }
  return out;
};

test("a key's streams open at once are counted across both instances, and given back when they end", async () => {
  KEYS["wf-streams-1"] = { ...key(`streams-${crypto.randomUUID()}`, 1000), maxStreams: 1 };
  const stream = (gw: TestGateway, model: string) =>
    fetch(`${gw.v1}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wf-streams-1" },
      body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "s" }] }),
    });
  const first = stream(a, "gpu/m+slow-first:400");
  await until(() => mock.requests.some((r) => String(r.body?.model).includes("slow-first:400")), Boolean, "the first stream to reach the upstream");
  const second = await stream(b, "gpu/m");
  expect(second.status).toBe(429);
  expect((await second.json()).error.code).toBe("rate_limit_streams");
  await (await first).text();
  const third = await stream(b, "gpu/m");
  expect(third.status).toBe(200);
  await third.text();
});

test("a key's requests per minute are counted across both instances", async () => {
  KEYS["wf-shared-1"] = key(`shared-${crypto.randomUUID()}`, 3);
  const r = await chat(a, "wf-shared-1");
  await r.arrayBuffer();
  expect(r.status).toBe(200);
  expect(r.headers.get("x-ratelimit-remaining-requests")).toBe("2");
  expect(await statuses([b, a], "wf-shared-1")).toEqual([200, 200]);
  const over = await chat(b, "wf-shared-1");
  expect(over.status).toBe(429);
  expect((await over.json()).error.code).toBe("rate_limit_requests");
  expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(await statuses([a], "wf-shared-1")).toEqual([429]);
});

test("with Redis killed, each instance limits on its own (not unlimited) and logs one warning", async () => {
  redis!.kill("SIGKILL");
  await redis!.exited;
  KEYS["wf-offline-2"] = key(`offline-${crypto.randomUUID()}`, 2);
  expect(await statuses([a, a, a], "wf-offline-2")).toEqual([200, 200, 429]);
  expect(await statuses([b, b, b], "wf-offline-2")).toEqual([200, 200, 429]);
  for (const gw of [a, b]) {
    const warned = gw.logs.filter((l) => l.includes("shared rate limits unavailable"));
    expect(warned.length).toBe(1);
    expect(warned[0]).toContain("warn");
  }
});
