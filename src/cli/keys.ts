// `wayfront keys create | list | revoke | rotate`: client keys in the SQLite file the server
// uses (wayfront.sqlite in the data dir), safe while it runs (WAL, busy timeout). A key is
// printed once, when created or rotated; the file keeps only its SHA-256 and an 8-character
// prefix. A running gateway sees a revoke or rotate made here within 5 s (its verify cache).
import { mkdirSync } from "node:fs";
import type { Args, KeyFlags } from "./args.ts";
import { UsageError } from "./args.ts";
import { configFromArgs } from "./load.ts";
import { dbPath } from "../cache/open-store.ts";
import { openDb } from "../db/open.ts";
import { CloudBudget } from "../auth/budget.ts";
import { sqliteKeyStore, VERIFY_CACHE_MS } from "../auth/key-store.ts";
import { KeyExistsError, KeyInputError, KeyRevokedError, UnknownKeyError, keyStatus, type KeyRecord, type NewKey } from "../auth/keys.ts";
import { TOKEN_PREFIX, hashTokenHex } from "../auth/token.ts";
import { mirrorKey, sharedHashOf, sharedRecord } from "../auth/shared-keys.ts";
import { redisConnection } from "../db/redis-connection.ts";
import { durationMs } from "../config/units.ts";

const ACTIONS = ["create", "list", "revoke", "rotate"] as const;
type Action = (typeof ACTIONS)[number];

type Print = (line: string) => void;

export async function keysCommand(args: Args, out: Print = console.log, err: Print = console.error): Promise<number> {
  const action = args.rest[0] as Action | undefined;
  if (!action || !ACTIONS.includes(action)) {
    throw new UsageError(`keys needs one of: ${ACTIONS.join(", ")}${action ? ` (got ${action})` : ""}`);
  }
  const positional = args.rest.slice(1);
  const flags = args.keys ?? {};
  let newKey: NewKey | null = null;
  let name = "";
  if (action === "create") {
    if (positional.length > 0) throw new UsageError(`keys create takes the name as --name NAME (got ${positional.join(" ")})`);
    newKey = newKeyFromFlags(flags);
  } else {
    const given = Object.keys(flags);
    if (given.length > 0) throw new UsageError(`--${flagName(given[0])} is an option of \`keys create\`, not \`keys ${action}\``);
    if (action === "list") {
      if (positional.length > 0) throw new UsageError(`keys list takes no arguments (got ${positional.join(" ")})`);
    } else {
      if (positional.length !== 1)
        throw new UsageError(`keys ${action} needs exactly one key NAME${positional.length ? ` (got ${positional.join(" ")})` : ""}`);
      name = positional[0];
    }
  }

  const config = await configFromArgs(args, process.env);
  const staticKeys = config.auth.staticKeys;
  let db: ReturnType<typeof openDb>;
  try {
    mkdirSync(config.server.dataDir, { recursive: true });
    db = openDb(dbPath(config));
  } catch (e) {
    err(`wayfront keys ${action}: cannot open ${dbPath(config)}: ${(e as Error).message}`);
    return 1;
  }
  const store = sqliteKeyStore(db, { staticKeys });
  // With the Redis backend, every instance shares the keys: what changes here is mirrored there.
  const redis = config.cache.backend === "redis" && config.cache.redisUrl ? redisConnection(config.cache.redisUrl.reveal(), 2_000) : null;
  const mirror = async (record: KeyRecord, hash: string, replaces?: string | null) => {
    if (!redis) return;
    try {
      await mirrorKey(redis, record, hash, replaces ?? undefined);
    } catch (e) {
      err(
        `wayfront keys ${action}: done here, but Redis could not be told (${(e as Error).message}); other instances do not know yet: run it again when Redis is up.`,
      );
    }
  };
  try {
    if (action === "create") {
      const { key, record } = store.create(newKey!);
      await mirror(record, hashTokenHex(key));
      out(`Created key "${record.name}" (${TOKEN_PREFIX}${record.prefix}…): ${summary(record)}.`);
      printKeyOnce(out, key);
    } else if (action === "list") {
      const budget = new CloudBudget(db);
      printList(out, store.list(), Date.now(), (name) => budget.spentToday(name));
      if (staticKeys.length > 0) out(`Also accepted, from the config ([auth] keys): ${staticKeys.map((k) => k.name).join(", ")}`);
    } else if (action === "revoke") {
      const before = store.get(name);
      const sharedHash = redis ? await sharedHashOf(redis, name).catch(() => null) : null;
      if (!before && redis && sharedHash) {
        // Made on another instance: revoke it where every instance looks.
        const rec = await sharedRecord(redis, sharedHash);
        if (rec) {
          await mirror({ ...rec, revokedAt: rec.revokedAt ?? Date.now() }, sharedHash);
          out(`Revoked key "${name}" for every instance sharing this Redis.`);
          return 0;
        }
      }
      const record = store.revoke(name);
      if (sharedHash) await mirror(record, sharedHash);
      if (before?.revokedAt != null) out(`Key "${name}" was already revoked (${when(before.revokedAt)}).`);
      else out(`Revoked key "${name}" (${TOKEN_PREFIX}${record.prefix}…). A running gateway refuses it within ${VERIFY_CACHE_MS / 1000} s.`);
    } else {
      const oldHash = redis ? await sharedHashOf(redis, name).catch(() => null) : null;
      const { key, record } = store.rotate(name);
      await mirror(record, hashTokenHex(key), oldHash);
      out(
        `Rotated key "${name}": new prefix ${TOKEN_PREFIX}${record.prefix}…, same settings; a running gateway refuses the old key within ${VERIFY_CACHE_MS / 1000} s.`,
      );
      if (keyStatus(record, Date.now()) === "expired") out(`Note: this key expired ${when(record.expiresAt)}; the new one is expired too.`);
      printKeyOnce(out, key);
    }
    return 0;
  } catch (e) {
    if (e instanceof KeyInputError) throw new UsageError(e.message);
    if (e instanceof UnknownKeyError) {
      const fromConfig = staticKeys.some((k) => k.name === e.keyName);
      err(
        `wayfront keys ${action}: ${e.message}${fromConfig ? " in the data dir (it is a config key: remove it from [auth] keys, or unset its variable)" : ""}`,
      );
      return 1;
    }
    if (e instanceof KeyExistsError || e instanceof KeyRevokedError) {
      err(`wayfront keys ${action}: ${e.message}`);
      return 1;
    }
    err(`wayfront keys ${action}: ${(e as Error).message}`);
    return 1;
  } finally {
    store.close();
    db.close();
    redis?.close();
  }
}

function printKeyOnce(out: Print, key: string): void {
  out("");
  out(key);
  out("");
  out("It is shown only this once (only its hash is kept). Send it as `Authorization: Bearer <key>`, or set OPENAI_API_KEY=<key>.");
}

function summary(r: KeyRecord): string {
  const parts = [r.models ? `models ${r.models.join(", ")}` : "every model"];
  if (r.rpm !== null) parts.push(`${r.rpm} requests/min`);
  if (r.maxStreams !== null) parts.push(`${r.maxStreams} streams at once`);
  if (r.tpm !== null) parts.push(`${r.tpm} tokens/min`);
  if (r.dailyBudgetUsd !== null) parts.push(`${usd(r.dailyBudgetUsd)}/day`);
  if (r.admin) parts.push("admin");
  parts.push(r.shared ? "shared cache namespace" : "its own cache namespace");
  parts.push(r.expiresAt !== null ? `expires ${when(r.expiresAt)}` : "never expires");
  return parts.join(", ");
}

function printList(out: Print, records: KeyRecord[], now: number, spentToday: (name: string) => number): void {
  if (records.length === 0) {
    out("No keys yet. Create one with: wayfront keys create --name NAME");
    return;
  }
  const header = [
    "name",
    "prefix",
    "models",
    "rpm",
    "tpm",
    "budget/day",
    "spend today",
    "admin",
    "shared",
    "created",
    "expires",
    "last used",
    "status",
  ];
  const rows = records.map((r) => [
    r.name,
    `${TOKEN_PREFIX}${r.prefix}…`,
    r.models ? r.models.join(",") : "all",
    r.rpm === null ? "-" : String(r.rpm),
    r.tpm === null ? "-" : String(r.tpm),
    r.dailyBudgetUsd === null ? "-" : usd(r.dailyBudgetUsd),
    usd(spentToday(r.name)),
    r.admin ? "yes" : "no",
    r.shared ? "yes" : "no",
    when(r.createdAt),
    r.expiresAt === null ? "never" : when(r.expiresAt),
    r.lastUsedAt === null ? "never" : when(r.lastUsedAt),
    keyStatus(r, now),
  ]);
  const table = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table)
    out(
      row
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    );
  out("Times are UTC.");
}

/** "2025-06-01 14:03" in UTC. */
function when(t: number | null): string {
  if (t === null) return "-";
  return new Date(t).toISOString().slice(0, 16).replace("T", " ");
}

function flagName(field: string): string {
  return field === "dailyBudget" ? "daily-budget" : field;
}

function newKeyFromFlags(f: KeyFlags): NewKey {
  if (f.name === undefined || f.name === "") throw new UsageError("keys create needs --name NAME");
  const k: NewKey = { name: f.name, admin: f.admin ?? false, shared: f.shared ?? false };
  if (f.models !== undefined) {
    const models = f.models
      .split(",")
      .map((m) => m.trim())
      .filter(Boolean);
    if (models.length === 0) throw new UsageError(`--models needs one or more model names separated by commas (got ${JSON.stringify(f.models)})`);
    k.models = models;
  }
  if (f.rpm !== undefined) k.rpm = positiveInt("--rpm", f.rpm);
  if (f.tpm !== undefined) k.tpm = positiveInt("--tpm", f.tpm);
  if (f.streams !== undefined) k.maxStreams = positiveInt("--streams", f.streams);
  if (f.dailyBudget !== undefined) {
    const v = f.dailyBudget.trim().replace(/^\$/, "");
    if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0)
      throw new UsageError(`--daily-budget must be a positive amount of USD, like 5 or 2.50 (got ${f.dailyBudget})`);
    k.dailyBudgetUsd = Number(v);
  }
  if (f.expires !== undefined) {
    if (!/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/.test(f.expires)) {
      throw new UsageError(`--expires must be a duration like 30d, 12h or 90m (got ${f.expires})`);
    }
    const ms = durationMs(f.expires, 0);
    if (ms <= 0) throw new UsageError(`--expires must be longer than zero (got ${f.expires})`);
    k.expiresInMs = ms;
  }
  return k;
}

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v)) || Number(v) <= 0) {
    throw new UsageError(`${flag} must be a positive whole number (got ${v})`);
  }
  return Number(v);
}

function usd(v: number): string {
  return `$${Number.isInteger(v) ? v : v.toFixed(2)}`;
}
