// A shared Redis that fills up. Under the policy the README asks for (maxmemory-policy
// volatile-lru) Redis evicts only keys with a TTL: the cache's entries go, and a revoked key's
// record and the cloud-spend totals (no TTL) stay. A gateway started against a Redis set up
// otherwise says so once. A real redis-server with a small maxmemory, filled through the
// cache's own store.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { CloudBudget } from "../../src/auth/budget.ts";
import type { ClientKey, KeyStore } from "../../src/auth/key.ts";
import type { KeyRecord } from "../../src/auth/keys.ts";
import { mirrorKey, sharedKeyStore } from "../../src/auth/shared-keys.ts";
import { generateToken, hashTokenHex, tokenPrefix } from "../../src/auth/token.ts";
import { redisStore } from "../../src/cache/redis.ts";
import { migrate } from "../../src/db/migrations.ts";
import { redisConnection } from "../../src/db/redis-connection.ts";
import { startTestGateway, upstreamToml } from "../helpers/gateway.ts";
import { startRedis } from "../helpers/redis.ts";
import { until } from "../helpers/wait.ts";
import { startMockUpstream } from "../mock/upstream.ts";

const FULL_AT = ["--maxmemory", "4mb"];

function freshDb(): Database {
  const db = new Database(":memory:");
  migrate(db);
  return db;
}

const infoField = async (conn: ReturnType<typeof redisConnection>, section: string, field: string) =>
  Number(new RegExp(`${field}:(\\d+)`).exec(await conn.cmd("INFO", [section]))![1]);

test("a full Redis (volatile-lru) evicts cache entries, never a revoked key's record or the spend totals", async () => {
  const redis = await startRedis([...FULL_AT, "--maxmemory-policy", "volatile-lru"]);
  const conn = redisConnection(redis.url, 1000);
  const store = redisStore({ url: redis.url, ttlMs: 3_600_000, maxBytes: 1 << 20, timeoutMs: 1000 });
  try {
    const now = Date.now();
    const token = generateToken();
    const record: KeyRecord = {
      name: "laptop",
      prefix: tokenPrefix(token),
      models: null,
      rpm: null,
      tpm: null,
      dailyBudgetUsd: null,
      maxStreams: null,
      admin: false,
      shared: false,
      createdAt: now - 60_000,
      expiresAt: null,
      revokedAt: now - 1000,
      lastUsedAt: null,
    };
    await mirrorKey(conn, record, hashTokenHex(token));
    // An instance whose own SQLite still has the key live (it was made there, revoked elsewhere):
    // only the record in Redis stops it.
    const live: ClientKey = { name: "laptop", models: null, rpm: null, tpm: null, dailyBudgetUsd: null, admin: false, namespace: "laptop" };
    const stale: KeyStore = { verify: async () => live, any: async () => true, touch() {} };
    const spender = new CloudBudget(freshDb(), Date.now, { redis: conn });
    spender.add("laptop", 1.5);
    const today = new Date(now).toISOString().slice(0, 10);
    await until(
      () => conn.cmd("GET", [`wayfront:spend:${today}`]),
      (v) => Number(v) === 1.5,
      "the spend to reach Redis",
    );

    // Fill it three times over with 64 KiB cache entries, the way recorded answers arrive.
    const text = "x".repeat(64 * 1024);
    for (let i = 0; i < 200; i++) {
      await store.put({ key: `k${i}`, api: "chat", namespace: "ns", createdAt: now, stream: null, final: { text } } as never);
    }
    expect(await infoField(conn, "stats", "evicted_keys")).toBeGreaterThan(100);
    const cached = ((await conn.cmd("KEYS", ["wf:e:*"])) as string[]).length;
    expect(cached).toBeLessThan(100);
    expect(cached).toBeGreaterThan(0);

    // The revoked record is still there: the key is refused, as before the flood.
    expect(await sharedKeyStore(stale, conn).verify(token)).toBeNull();
    expect(await conn.cmd("EXISTS", ["wayfront:keys:any", "wayfront:keyname:laptop"])).toBe(2);
    // Another instance, with nothing counted in its own SQLite, still reads the shared totals.
    const other = new CloudBudget(freshDb(), Date.now, { redis: conn });
    await other.refresh("laptop");
    expect(other.spentToday("laptop")).toBeCloseTo(1.5);
    expect(other.spentToday()).toBeCloseTo(1.5);
    expect(other.spentThisMonth()).toBeCloseTo(1.5);
  } finally {
    store.close();
    conn.close();
    redis.proc.kill();
  }
});

test("a gateway started against a Redis that may evict anything says so once, with the fix", async () => {
  const redis = await startRedis([...FULL_AT, "--maxmemory-policy", "allkeys-lru"]);
  const mock = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  const gw = await startTestGateway(`[cache]\nbackend = "redis"\n${upstreamToml("gpu", mock.url, 'models = ["m"]')}`, {
    env: { WAYFRONT_REDIS_URL: redis.url },
  });
  try {
    const line = await until(
      () => gw.logs.find((l) => l.includes('"msg":"redis memory settings"')),
      (l) => l !== undefined,
      "the redis warning",
    );
    const event = JSON.parse(line!);
    expect(event.level).toBe("warn");
    expect(event.maxmemory_policy).toBe("allkeys-lru");
    expect(event.maxmemory).toBe(4 * 1024 * 1024);
    expect(event.problem).toContain("a revoked key works again");
    expect(event.problem).toContain("maxmemory-policy volatile-lru");
    // The URL (and any password in it) is not part of what is said.
    expect(line).not.toContain(redis.url);
    expect(gw.logs.filter((l) => l.includes('"msg":"redis memory settings"')).length).toBe(1);
  } finally {
    await gw.stop();
    await mock.stop();
    redis.proc.kill();
  }
});
