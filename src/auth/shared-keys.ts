// Client keys shared by every instance through the Redis backend: each key's record (never
// the key: its SHA-256 names it) is mirrored to Redis when it is created, revoked or rotated,
// and a gateway asks Redis first, so a key made or revoked on one instance is known to all.
// Redis unreachable: each instance goes by its own SQLite (and the config's keys).
import type { RedisCommands } from "../db/redis-connection.ts";
import type { ClientKey, KeyStore } from "./key.ts";
import { type KeyRecord, toClientKey } from "./keys.ts";
import { hashTokenHex, isTokenShape } from "./token.ts";

const recordKey = (hash: string) => `wayfront:key:${hash}`;
const nameKey = (name: string) => `wayfront:keyname:${name}`;
const ANY = "wayfront:keys:any";
const CACHE_MS = 5_000;

/** The mirror the CLI writes to. */
export async function mirrorKey(redis: RedisCommands, record: KeyRecord, hash: string, replaces?: string): Promise<void> {
  if (replaces && replaces !== hash) await redis.cmd("DEL", [recordKey(replaces)]);
  await redis.cmd("SET", [recordKey(hash), JSON.stringify(record)]);
  await redis.cmd("SET", [nameKey(record.name), hash]);
  await redis.cmd("SET", [ANY, "1"]);
}

/** The hash Redis knows for a name, if any (a key made on another instance). */
export async function sharedHashOf(redis: RedisCommands, name: string): Promise<string | null> {
  return (await redis.cmd("GET", [nameKey(name)])) ?? null;
}

export async function sharedRecord(redis: RedisCommands, hash: string): Promise<KeyRecord | null> {
  const text: string | null = await redis.cmd("GET", [recordKey(hash)]);
  return text ? (JSON.parse(text) as KeyRecord) : null;
}

export function sharedKeyStore(local: KeyStore, redis: RedisCommands, o: { now?: () => number; onError?: (err: unknown) => void } = {}): KeyStore {
  const now = o.now ?? Date.now;
  const cache = new Map<string, { key: ClientKey | null; expiresAt: number | null; until: number }>();
  let any: { value: boolean; until: number } | null = null;
  // One word per outage minute, not one per request.
  let warnedAt = Number.NEGATIVE_INFINITY;
  const down = (err: unknown) => {
    if (now() - warnedAt < 60_000) return;
    warnedAt = now();
    o.onError?.(err);
  };
  return {
    async verify(token) {
      if (typeof token !== "string" || token === "" || !isTokenShape(token)) return local.verify(token);
      const t = now();
      const hash = hashTokenHex(token);
      let hit = cache.get(hash);
      if (!hit || hit.until <= t) {
        let record: KeyRecord | null;
        try {
          record = await sharedRecord(redis, hash);
        } catch (err) {
          down(err);
          return local.verify(token);
        }
        // Not in Redis: a key made before the backend was shared, or a config key.
        if (!record) return local.verify(token);
        hit = { key: record.revokedAt === null ? toClientKey(record) : null, expiresAt: record.expiresAt, until: t + CACHE_MS };
        cache.set(hash, hit);
        if (cache.size > 1024) cache.delete(cache.keys().next().value!);
      }
      if (!hit.key || (hit.expiresAt !== null && hit.expiresAt <= t)) return null;
      return { ...hit.key, models: hit.key.models ? [...hit.key.models] : null };
    },
    async any() {
      if (await local.any()) return true;
      const t = now();
      if (any && any.until > t) return any.value;
      try {
        const value = (await redis.cmd("GET", [ANY])) !== null;
        any = { value, until: t + CACHE_MS };
        return value;
      } catch (err) {
        down(err);
        return false;
      }
    },
    touch: (name) => local.touch(name),
  };
}
