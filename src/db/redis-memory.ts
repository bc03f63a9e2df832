// What a shared Redis does when it is full, read once at start-up. Wayfront keeps state there
// that must not be lost (client-key records and revocations, cloud-spend totals: no TTL) next
// to state that may be (cache entries, stored responses, locks, limit windows: each with a
// TTL). Only `volatile-*` policies tell the two apart; `allkeys-*` may evict a revocation, and
// the key works again on every instance that knew it.
import type { RedisCommands } from "./redis-connection.ts";

export interface RedisMemory {
  policy: string;
  /** Bytes; 0 is Redis's default: no limit. */
  maxmemory: number;
}

const FIX = "Set maxmemory (e.g. 512mb) and maxmemory-policy volatile-lru in redis.conf";

/** The problem with these settings and its fix, or null when they suit Wayfront. */
export function memoryAdvice(m: RedisMemory): string | null {
  if (m.policy.startsWith("allkeys-")) {
    return `Redis's maxmemory-policy is ${m.policy}: when full, it may evict client-key records (a revoked key works again on instances that knew it) and cloud-spend totals. ${FIX}.`;
  }
  if (m.maxmemory === 0) {
    return `Redis has no maxmemory: the shared cache and stored responses grow until their TTLs expire, whatever cache.max_bytes says. ${FIX}.`;
  }
  if (m.policy === "noeviction") {
    return `Redis's maxmemory-policy is noeviction: once full, it refuses writes, so the shared cache stops storing and new client keys are not shared. ${FIX}.`;
  }
  return null;
}

/** Redis's settings, or null when it does not answer CONFIG GET (a managed Redis may refuse it). */
export async function readRedisMemory(redis: RedisCommands): Promise<RedisMemory | null> {
  try {
    const policy = configValue(await redis.cmd("CONFIG", ["GET", "maxmemory-policy"]), "maxmemory-policy");
    const max = configValue(await redis.cmd("CONFIG", ["GET", "maxmemory"]), "maxmemory");
    if (policy === null || max === null || !Number.isFinite(Number(max))) return null;
    return { policy, maxmemory: Number(max) };
  } catch {
    return null;
  }
}

/** CONFIG GET's reply: a map under RESP3, a flat [name, value] list under RESP2. */
function configValue(reply: unknown, name: string): string | null {
  if (Array.isArray(reply)) {
    const at = reply.indexOf(name);
    return at !== -1 && typeof reply[at + 1] === "string" ? reply[at + 1] : null;
  }
  if (reply && typeof reply === "object") {
    const v = (reply as Record<string, unknown>)[name];
    return typeof v === "string" ? v : null;
  }
  return null;
}
