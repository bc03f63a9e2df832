import { expect, test } from "bun:test";
import { memoryAdvice, readRedisMemory } from "../../../src/db/redis-memory.ts";
import type { RedisCommands } from "../../../src/db/redis-connection.ts";

const MB = 1024 * 1024;

test("only a volatile-* policy with a maxmemory suits Wayfront; every other setting is named with the fix", () => {
  for (const policy of ["volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random"])
    expect(memoryAdvice({ policy, maxmemory: 512 * MB })).toBeNull();
  for (const policy of ["allkeys-lru", "allkeys-lfu", "allkeys-random"]) {
    for (const maxmemory of [0, 512 * MB]) {
      const said = memoryAdvice({ policy, maxmemory })!;
      expect(said).toContain(policy);
      expect(said).toContain("a revoked key works again");
      expect(said).toContain("maxmemory-policy volatile-lru");
    }
  }
  expect(memoryAdvice({ policy: "noeviction", maxmemory: 0 })).toContain("no maxmemory");
  expect(memoryAdvice({ policy: "volatile-lru", maxmemory: 0 })).toContain("no maxmemory");
  expect(memoryAdvice({ policy: "noeviction", maxmemory: 512 * MB })).toContain("refuses writes");
});

const replying = (replies: Record<string, unknown>): RedisCommands => ({
  cmd: async (_command, args) => {
    const r = replies[args[1]!];
    if (r instanceof Error) throw r;
    return r;
  },
  close() {},
});

test("CONFIG GET is read as a RESP3 map or a RESP2 list; a Redis that refuses it, or answers oddly, gives no reading", async () => {
  const map = replying({ "maxmemory-policy": { "maxmemory-policy": "allkeys-lru" }, maxmemory: { maxmemory: "1048576" } });
  expect(await readRedisMemory(map)).toEqual({ policy: "allkeys-lru", maxmemory: MB });
  const list = replying({ "maxmemory-policy": ["maxmemory-policy", "volatile-lru"], maxmemory: ["maxmemory", "0"] });
  expect(await readRedisMemory(list)).toEqual({ policy: "volatile-lru", maxmemory: 0 });
  // A managed Redis (CONFIG renamed or not permitted).
  expect(await readRedisMemory(replying({ "maxmemory-policy": new Error("ERR unknown command 'CONFIG'") }))).toBeNull();
  expect(await readRedisMemory(replying({ "maxmemory-policy": [], maxmemory: [] }))).toBeNull();
  expect(
    await readRedisMemory(replying({ "maxmemory-policy": { "maxmemory-policy": "volatile-lru" }, maxmemory: { maxmemory: "lots" } })),
  ).toBeNull();
});
