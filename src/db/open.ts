// The single place that imports bun:sqlite, so pragmas and migrations are never skipped.

import { Database } from "bun:sqlite";
import { migrate } from "./migrations.ts";
import { damagedFileError, isDamage } from "./damaged.ts";

// A reader waiting behind another process's write (the CLI's `cache prune` while serving)
// waits this long before SQLITE_BUSY instead of failing at once.
const BUSY_TIMEOUT_MS = 5000;

export function openDb(path: string): Database {
  try {
    return openAndMigrate(path);
  } catch (err) {
    throw isDamage(err) ? damagedFileError(path, err) : err;
  }
}

function openAndMigrate(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  // WAL: readers don't block the writer and vice versa (https://sqlite.org/wal.html).
  // synchronous=NORMAL is durable against application crashes in WAL mode; only an OS
  // crash / power loss may drop the last commits, which for a cache is fine.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.exec("PRAGMA foreign_keys = ON");
  migrate(db);
  return db;
}

export type { Database };
