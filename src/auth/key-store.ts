// Client keys in the SQLite file in the data dir (table client_keys, migration 3), plus the
// config's static keys. The server uses the KeyStore half (verify, any, touch) on every
// request; `wayfront keys` uses the admin half (create, list, revoke, rotate).
//
// Hot path: verify hashes the token (SHA-256, see auth/token.ts), looks the hash up and
// compares the hash bytes in constant time. Its answer is reused for `cacheMs` (5 s) keyed by
// the hash, so a busy client costs no query per request; revoke/rotate in this process drop
// the cached answers at once, and those made by another process (the CLI next to a running
// server) are seen within `cacheMs`. touch() only queues: last_used_at is written in one
// batch on a timer, off the request path.
import type { Database } from "bun:sqlite";
import type { StaticKey } from "../config/resolve.ts";
import type { ClientKey, KeyStore } from "./key.ts";
import { KeyExistsError, KeyRevokedError, UnknownKeyError, checkNewKey, toClientKey, type KeyRecord, type NewKey } from "./keys.ts";
import { generateToken, hashToken, hashTokenHex, hashesEqual, isTokenShape, tokenPrefix } from "./token.ts";

export const VERIFY_CACHE_MS = 5_000;
const TOUCH_DELAY_MS = 1_000;
/** Cached verify answers kept at most (unknown tokens are cached too, so this bounds memory). */
const CACHE_MAX = 1024;

export interface KeyStoreOptions {
  now?: () => number;
  /** The config's keys (`[auth] keys`): verified like stored ones, never written to the file. */
  staticKeys?: StaticKey[];
  /** How long a verify answer is reused without a query. Default 5 s; 0 = never. */
  cacheMs?: number;
  /** How long touches are gathered before one write. Default 1 s. */
  touchDelayMs?: number;
  /** Where a failed last-used write is reported (touch never throws). Default: ignored. */
  onError?: (err: unknown) => void;
}

export interface SqliteKeyStore extends KeyStore {
  /** A new key: the token (shown once, never stored) and its record. KeyExistsError if the name is taken. */
  create(k: NewKey): { key: string; record: KeyRecord };
  /** Every stored key (revoked and expired ones too), oldest first; never a secret. */
  list(): KeyRecord[];
  get(name: string): KeyRecord | null;
  /** Revoke at once (idempotent: an already revoked key keeps its time). UnknownKeyError if absent. */
  revoke(name: string): KeyRecord;
  /** A new token for the same name and settings; the old one stops working at once. */
  rotate(name: string): { key: string; record: KeyRecord };
  /** Write queued last-used times now. Never throws. */
  flush(): void;
  /** Flush and stop the timer. The database is the caller's to close. */
  close(): void;
}

interface Row {
  name: string;
  hash: string;
  prefix: string;
  models: string | null;
  rpm: number | null;
  tpm: number | null;
  daily_budget_usd: number | null;
  max_streams: number | null;
  admin: number;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  shared_namespace: number;
}

interface Cached {
  key: ClientKey | null;
  expiresAt: number | null;
  until: number;
}

const COLUMNS =
  "name, hash, prefix, models, rpm, tpm, daily_budget_usd, max_streams, admin, created_at, expires_at, revoked_at, last_used_at, shared_namespace";

export function sqliteKeyStore(db: Database, opts: KeyStoreOptions = {}): SqliteKeyStore {
  const now = opts.now ?? Date.now;
  const cacheMs = opts.cacheMs ?? VERIFY_CACHE_MS;
  const touchDelayMs = opts.touchDelayMs ?? TOUCH_DELAY_MS;
  const onError = opts.onError ?? (() => {});
  const statics = (opts.staticKeys ?? []).map((s) => ({
    hash: hashToken(s.key.reveal()),
    key: toClientKey({ ...s, shared: false }),
  }));
  const staticNames = new Set(statics.map((s) => s.key.name));

  const cache = new Map<string, Cached>();
  let anyCache: { value: boolean; until: number } | null = null;
  const pending = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | null = null;

  const byHash = db.query(`SELECT ${COLUMNS} FROM client_keys WHERE hash = ?`);
  const byName = db.query(`SELECT ${COLUMNS} FROM client_keys WHERE name = ?`);

  function remember(id: string, entry: Cached): void {
    if (cacheMs <= 0) return;
    cache.delete(id);
    cache.set(id, entry);
    if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  }

  function forget(name: string): void {
    for (const [id, c] of cache) if (c.key?.name === name) cache.delete(id);
    anyCache = null;
  }

  function live(c: Cached, t: number): ClientKey | null {
    if (!c.key || (c.expiresAt !== null && c.expiresAt <= t)) return null;
    return { ...c.key, models: c.key.models ? [...c.key.models] : null };
  }

  function lookup(token: string, hash: Buffer, t: number): Cached {
    // Every static key is compared, matched or not, so the time taken says nothing of which.
    let found: ClientKey | null = null;
    for (const s of statics) if (hashesEqual(s.hash, hash) && !found) found = s.key;
    if (found) return { key: found, expiresAt: null, until: t + cacheMs };
    // Only a token of our own shape can be in the table: junk costs no query.
    const row = isTokenShape(token) ? (byHash.get(hex(hash)) as Row | null) : null;
    if (!row || !hashesEqual(Buffer.from(row.hash, "hex"), hash) || row.revoked_at !== null) {
      return { key: null, expiresAt: null, until: t + cacheMs };
    }
    return { key: toClientKey(fromRow(row)), expiresAt: row.expires_at, until: t + cacheMs };
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.size === 0) return;
    const batch = [...pending];
    pending.clear();
    try {
      const update = db.query("UPDATE client_keys SET last_used_at = ? WHERE name = ? AND (last_used_at IS NULL OR last_used_at < ?)");
      db.transaction(() => {
        for (const [name, at] of batch) update.run(at, name, at);
      })();
    } catch (err) {
      try {
        onError(err);
      } catch {}
    }
  }

  return {
    async verify(token: string): Promise<ClientKey | null> {
      if (typeof token !== "string" || token === "") return null;
      const t = now();
      const hash = hashToken(token);
      const id = hex(hash);
      const hit = cache.get(id);
      if (hit && hit.until > t) return live(hit, t);
      const entry = lookup(token, hash, t);
      remember(id, entry);
      return live(entry, t);
    },

    async any(): Promise<boolean> {
      if (statics.length > 0) return true;
      const t = now();
      if (anyCache && anyCache.until > t) return anyCache.value;
      // Revoked and expired keys count: once keys are in use, revoking the last one does not
      // quietly reopen the gateway to callers without a key.
      const value = db.query("SELECT 1 AS one FROM client_keys LIMIT 1").get() !== null;
      if (cacheMs > 0) anyCache = { value, until: t + cacheMs };
      return value;
    },

    touch(name: string): void {
      try {
        if (staticNames.has(name)) return;
        pending.set(name, now());
        if (!timer) {
          timer = setTimeout(flush, touchDelayMs);
          (timer as { unref?: () => void }).unref?.();
        }
      } catch (err) {
        try {
          onError(err);
        } catch {}
      }
    },

    create(k: NewKey): { key: string; record: KeyRecord } {
      checkNewKey(k);
      if (staticNames.has(k.name)) throw new KeyExistsError(k.name, " in the config ([auth] keys)");
      const t = now();
      const key = generateToken();
      const record: KeyRecord = {
        name: k.name,
        prefix: tokenPrefix(key),
        models: k.models ? [...k.models] : null,
        rpm: k.rpm ?? null,
        tpm: k.tpm ?? null,
        dailyBudgetUsd: k.dailyBudgetUsd ?? null,
        maxStreams: k.maxStreams ?? null,
        admin: k.admin ?? false,
        shared: k.shared ?? false,
        createdAt: t,
        expiresAt: k.expiresInMs != null ? t + k.expiresInMs : null,
        revokedAt: null,
        lastUsedAt: null,
      };
      db.transaction(() => {
        const existing = byName.get(k.name) as Row | null;
        if (existing) throw new KeyExistsError(k.name, existing.revoked_at !== null ? " (revoked; a revoked name is not reused)" : "");
        db.query(
          "INSERT INTO client_keys (name, hash, prefix, models, rpm, tpm, daily_budget_usd, max_streams, admin, created_at, expires_at, shared_namespace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ).run(
          record.name,
          hashTokenHex(key),
          record.prefix,
          record.models ? JSON.stringify(record.models) : null,
          record.rpm,
          record.tpm,
          record.dailyBudgetUsd,
          record.maxStreams,
          record.admin ? 1 : 0,
          record.createdAt,
          record.expiresAt,
          record.shared ? 1 : 0,
        );
      }).immediate();
      forget(k.name);
      return { key, record };
    },

    list(): KeyRecord[] {
      return (db.query(`SELECT ${COLUMNS} FROM client_keys ORDER BY created_at, name`).all() as Row[]).map(fromRow);
    },

    get(name: string): KeyRecord | null {
      const row = byName.get(name) as Row | null;
      return row ? fromRow(row) : null;
    },

    revoke(name: string): KeyRecord {
      const t = now();
      const row = db
        .transaction(() => {
          db.query("UPDATE client_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL").run(t, name);
          return byName.get(name) as Row | null;
        })
        .immediate();
      forget(name);
      if (!row) throw new UnknownKeyError(name);
      return fromRow(row);
    },

    rotate(name: string): { key: string; record: KeyRecord } {
      const key = generateToken();
      const row = db
        .transaction(() => {
          const existing = byName.get(name) as Row | null;
          if (!existing) throw new UnknownKeyError(name);
          if (existing.revoked_at !== null) throw new KeyRevokedError(name);
          db.query("UPDATE client_keys SET hash = ?, prefix = ? WHERE name = ?").run(hashTokenHex(key), tokenPrefix(key), name);
          return byName.get(name) as Row;
        })
        .immediate();
      forget(name);
      return { key, record: fromRow(row) };
    },

    flush,

    close(): void {
      flush();
      cache.clear();
    },
  };
}

function hex(hash: Buffer): string {
  return hash.toString("hex");
}

function fromRow(r: Row): KeyRecord {
  return {
    name: r.name,
    prefix: r.prefix,
    models: r.models === null ? null : (JSON.parse(r.models) as string[]),
    rpm: r.rpm,
    tpm: r.tpm,
    dailyBudgetUsd: r.daily_budget_usd,
    maxStreams: r.max_streams,
    admin: r.admin === 1,
    shared: r.shared_namespace === 1,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}
