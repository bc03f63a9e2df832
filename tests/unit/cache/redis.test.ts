// The Redis store against a real redis-server on a random loopback port. redis-server is a
// test dependency like bun itself: missing means failing, with a message saying so.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { startRedis } from "../../helpers/redis.ts";
import { redisStore } from "../../../src/cache/redis.ts";
import type { CacheEntry, CacheStore } from "../../../src/cache/store.ts";
import type { FlightLocks } from "../../../src/cache/flight-locks.ts";

type Store = CacheStore & FlightLocks;

let redis: { proc: Subprocess; url: string };
const opened: Store[] = [];
const open = (o: { ttlMs?: number; maxBytes?: number; lockMs?: number; url?: string } = {}): Store => {
  const s = redisStore({ url: o.url ?? redis.url, ttlMs: o.ttlMs ?? 60_000, maxBytes: o.maxBytes ?? 1 << 20, lockMs: o.lockMs, timeoutMs: 1000 });
  opened.push(s);
  return s;
};

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const s of opened) s.close();
  redis?.proc.kill();
  await redis?.proc.exited;
});

const entry = (over: Partial<CacheEntry> = {}): CacheEntry => ({
  key: `k-${crypto.randomUUID()}`,
  api: "chat",
  namespace: "default",
  createdAt: Date.now(),
  stream: ['{"choices":[{"index":0,"delta":{"content":"hi"}}]}'],
  final: { object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] },
  ...over,
});

/** Bounded poll: until check() is true or `tries` × 50 ms have gone by. */
async function eventually(check: () => Promise<boolean>, tries = 60): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await Bun.sleep(50);
  }
  return false;
}

describe("redisStore: entries", () => {
  test("put then get returns the same entry, near fingerprint included; another instance sees it", async () => {
    const a = open();
    const b = open();
    const e = entry({ near: { nearKey: "nk", simhash: 0xfedcba9876543210n } });
    await a.put(e);
    expect(await a.get(e.key, e.namespace)).toEqual(e);
    expect(await b.get(e.key, e.namespace)).toEqual(e);
    expect(await a.get(`missing-${crypto.randomUUID()}`, "default")).toBeNull();
  });

  test("an entry's digest is read after put returns to its caller's turn, and another instance gets it", async () => {
    const a = open();
    const b = open();
    let reads = 0;
    const e = entry();
    Object.defineProperty(e, "digest", { enumerable: true, get: () => (reads++, "e".repeat(64)) });
    const put = a.put(e);
    expect(reads).toBe(0);
    await put;
    expect((await b.get(e.key, e.namespace))?.digest).toBe("e".repeat(64));
  });

  test("entries expire after the TTL", async () => {
    const s = open({ ttlMs: 300 });
    const e = entry();
    await s.put(e);
    expect(await s.get(e.key, e.namespace)).not.toBeNull();
    expect(await eventually(async () => (await s.get(e.key, e.namespace)) === null)).toBe(true);
  });

  test("namespaces are isolated, for exact and near lookups", async () => {
    const s = open();
    const e = entry({ namespace: "team-a", near: { nearKey: "nk-ns", simhash: 0b1011n } });
    await s.put(e);
    expect(await s.get(e.key, "team-b")).toBeNull();
    expect(await s.getNear("nk-ns", 0b1011n, 3, "team-b")).toBeNull();
    expect(await s.get(e.key, "team-a")).not.toBeNull();
  });

  test("near lookup: the closest entry within the distance, none beyond it", async () => {
    const s = open();
    const nearKey = `nk-${crypto.randomUUID()}`;
    const base = 0xf0f0_f0f0_0000_ffffn;
    const far = entry({ near: { nearKey, simhash: base ^ 0b111n } }); // 3 bits away
    const close = entry({ near: { nearKey, simhash: base ^ 0b1n } }); // 1 bit away
    await s.put(far);
    await s.put(close);
    expect((await s.getNear(nearKey, base, 3, "default"))?.key).toBe(close.key);
    expect((await s.getNear(nearKey, base ^ 0b110n, 3, "default"))?.key).toBe(far.key); // 1 from far, 3 from close
    expect(await s.getNear(nearKey, base ^ 0xffff_0000n, 3, "default")).toBeNull();
    expect(await s.getNear(`other-${crypto.randomUUID()}`, base, 64, "default")).toBeNull();
  });

  test("an entry larger than maxBytes is not stored", async () => {
    const s = open({ maxBytes: 200 });
    const big = entry({ final: { text: "x".repeat(500) } });
    await s.put(big);
    expect(await s.get(big.key, big.namespace)).toBeNull();
  });

  test("stats count entries, hits (noteHit included) and misses; clear empties everything", async () => {
    const s = open();
    await s.clear();
    const e = entry();
    await s.put(e);
    await s.get(e.key, e.namespace);
    await s.get(`nope-${crypto.randomUUID()}`, "default");
    s.noteHit!(e.key, e.namespace);
    // Counters are written fire-and-forget, so wait for them rather than assume an order.
    expect(await eventually(async () => (await s.stats()).hits === 2)).toBe(true);
    const st = await s.stats();
    expect(st.entries).toBe(1);
    expect(st.misses).toBe(1);
    expect(st.bytes).toBeGreaterThan(0);
    await s.clear();
    expect(await s.get(e.key, e.namespace)).toBeNull();
    const after = await s.stats();
    expect(after.entries).toBe(0);
    expect(await s.prune()).toBe(0);
  });
});

describe("redisStore: coalescing locks", () => {
  test("one instance takes the lock; the other sees it held and cannot release it", async () => {
    const a = open();
    const b = open();
    const key = `lock-${crypto.randomUUID()}`;
    expect(await a.acquire(key, "default")).toBe(true);
    expect(await b.acquire(key, "default")).toBe(false);
    expect(await b.held(key, "default")).toBe(true);
    await b.release(key, "default"); // not its lock
    expect(await a.held(key, "default")).toBe(true);
    // Same key, another namespace: a different lock.
    expect(await b.acquire(key, "other")).toBe(true);
    await a.release(key, "default");
    expect(await b.held(key, "default")).toBe(false);
    expect(await b.acquire(key, "default")).toBe(true);
  });

  test("a lock that expired and was retaken is not released by its first owner", async () => {
    const a = open({ lockMs: 200 });
    const b = open();
    const key = `lock-${crypto.randomUUID()}`;
    expect(await a.acquire(key, "default")).toBe(true);
    expect(await eventually(async () => !(await b.held(key, "default")))).toBe(true);
    expect(await b.acquire(key, "default")).toBe(true);
    await a.release(key, "default"); // a's token no longer matches
    expect(await b.held(key, "default")).toBe(true);
    await b.release(key, "default");
    expect(await b.held(key, "default")).toBe(false);
  });
});

describe("redisStore: outage", () => {
  test("with the server gone, calls settle (reject or resolve) instead of hanging; noteHit never throws", async () => {
    const own = await startRedis(); // its own server: killing it must not disturb the tests above
    try {
      const s = open({ url: own.url });
      const e = entry();
      await s.put(e);
      expect(await s.get(e.key, e.namespace)).not.toBeNull();
      own.proc.kill("SIGKILL");
      await own.proc.exited;
      const first = await Promise.allSettled([s.get(e.key, e.namespace)]);
      expect(first[0]!.status).toBe("rejected");
      // While marked down, every call fails at once rather than queueing on a dead socket.
      const results = await Promise.allSettled([
        s.get(e.key, e.namespace),
        s.getNear("nk", 1n, 3, "default"),
        s.put(entry()),
        s.acquire("k", "default"),
        s.held("k", "default"),
        s.stats(),
      ]);
      for (const r of results) expect(r.status).toBe("rejected");
      expect(() => s.noteHit!(e.key, e.namespace)).not.toThrow();
    } finally {
      own.proc.kill("SIGKILL");
    }
  });
});
