// Versioned schema, tracked in PRAGMA user_version. Each step runs once, in its own
// transaction together with the version bump, so a crash leaves either the old or the new
// schema. Append new steps; never edit a released one.

import type { Database } from "bun:sqlite";

export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    // Cache entries. The primary key leads with namespace so tenants never see each other's
    // rows. bytes = length of final + stream JSON, kept per row so the size cap needs no
    // re-measuring. simhash is 16 hex digits (SQLite has no unsigned 64-bit integer).
    sql: `
      CREATE TABLE cache_entries (
        namespace  TEXT    NOT NULL,
        key        TEXT    NOT NULL,
        api        TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        last_used  INTEGER NOT NULL,
        final      TEXT    NOT NULL,
        stream     TEXT,
        near_key   TEXT,
        simhash    TEXT,
        bytes      INTEGER NOT NULL,
        PRIMARY KEY (namespace, key)
      ) WITHOUT ROWID;
      CREATE INDEX cache_entries_last_used ON cache_entries (last_used);
      CREATE INDEX cache_entries_created_at ON cache_entries (created_at);
      CREATE INDEX cache_entries_near ON cache_entries (namespace, near_key) WHERE near_key IS NOT NULL;
      -- Hit/miss counters survive restarts and are shared by every process on the file.
      CREATE TABLE cache_counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    // Stored Responses conversations (db/responses.ts), so previous_response_id and
    // GET /v1/responses/{id} work on chat-only upstreams. `input` is the whole conversation
    // up to this turn as Responses input items (JSON); `response` the Response object.
    sql: `
      CREATE TABLE stored_responses (
        namespace  TEXT    NOT NULL,
        id         TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        input      TEXT    NOT NULL,
        response   TEXT    NOT NULL,
        PRIMARY KEY (namespace, id)
      ) WITHOUT ROWID;
      CREATE INDEX stored_responses_expires_at ON stored_responses (expires_at);
    `,
  },
  {
    version: 3,
    // Client keys (auth/keys.ts, auth/key-store.ts). Never the key: only its SHA-256 (hex)
    // and the first 8 characters after `wf-` as a non-secret identifier. models is a JSON
    // array or NULL (every model); times are epoch ms; a revoked or expired row stays, so a
    // name in old logs always means one key (rotation keeps the name, replaces the hash).
    sql: `
      CREATE TABLE client_keys (
        name             TEXT    NOT NULL UNIQUE,
        hash             TEXT    NOT NULL UNIQUE,
        prefix           TEXT    NOT NULL,
        models           TEXT,
        rpm              INTEGER,
        tpm              INTEGER,
        daily_budget_usd REAL,
        admin            INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
        created_at       INTEGER NOT NULL,
        expires_at       INTEGER,
        revoked_at       INTEGER,
        last_used_at     INTEGER,
        shared_namespace INTEGER NOT NULL DEFAULT 0 CHECK (shared_namespace IN (0, 1))
      );
    `,
  },
  {
    version: 4,
    // Cloud spend per UTC day and client key ('' = nobody's key: this machine, auth off), in
    // USD, so budgets survive a restart (auth/budget.ts).
    sql: `
      CREATE TABLE cloud_spend (
        day TEXT NOT NULL,
        key TEXT NOT NULL,
        usd REAL NOT NULL,
        PRIMARY KEY (day, key)
      );
    `,
  },
  {
    version: 5,
    // At most this many streams at once per client key (NULL: no limit).
    sql: "ALTER TABLE client_keys ADD COLUMN max_streams INTEGER;",
  },
  {
    version: 6,
    // The cache's size check (sum of bytes) and its LRU page read only this index. Without it
    // each read walked every row's overflow pages to reach the bytes column, stored after the answer:
    // 377 ms per flush with 200 entries of 4 MB, the event loop held the whole time.
    sql: `
      DROP INDEX cache_entries_last_used;
      CREATE INDEX cache_entries_lru ON cache_entries (last_used, bytes);
    `,
  },
  {
    version: 7,
    // Stored responses get a size, so their total can be capped (responses.max_bytes) by
    // dropping the oldest; the size check and the oldest-first page read only this index.
    sql: `
      ALTER TABLE stored_responses ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
      UPDATE stored_responses SET bytes = length(input) + length(response);
      CREATE INDEX stored_responses_age ON stored_responses (created_at, bytes);
    `,
  },
  {
    version: 8,
    // Cache keys became a fast hash that finds entries, and this, SHA-256 of the same request,
    // the check that an entry is the request's (cache/key.ts). Rows from before have none and
    // never match (their keys are of the old form anyway).
    sql: "ALTER TABLE cache_entries ADD COLUMN digest TEXT;",
  },
];

export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return current;
  // All pending steps in one transaction: a new data dir (every first start) commits once, not
  // once per step; and a step that fails leaves the schema where it was, not half-way.
  db.transaction(() => {
    for (const m of pending) db.exec(m.sql);
    // PRAGMA takes no bound parameters; version is our own integer constant.
    db.exec(`PRAGMA user_version = ${Math.trunc(pending[pending.length - 1]!.version)}`);
  })();
  return pending[pending.length - 1]!.version;
}
