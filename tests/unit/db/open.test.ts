import { afterEach, describe, expect, test } from "bun:test";
import { MIGRATIONS, migrate } from "../../../src/db/migrations.ts";
import { Database } from "bun:sqlite";
import { openDb } from "../../../src/db/open.ts";
import { tempDirs } from "../../helpers/temp-dirs.ts";

const temp = tempDirs("wf-db-");
afterEach(temp.clean);
const tempPath = () => temp.file("w.db");

describe("openDb", () => {
  test("WAL, synchronous NORMAL, busy timeout, migrated to the latest version", () => {
    const db = openDb(tempPath());
    expect((db.query("PRAGMA journal_mode").get() as any).journal_mode).toBe("wal");
    expect((db.query("PRAGMA synchronous").get() as any).synchronous).toBe(1); // NORMAL
    expect((db.query("PRAGMA busy_timeout").get() as any).timeout).toBeGreaterThan(0);
    expect((db.query("PRAGMA user_version").get() as any).user_version).toBe(MIGRATIONS.at(-1)!.version);
    const tables = db
      .query("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r: any) => r.name);
    expect(tables).toEqual(expect.arrayContaining(["cache_entries", "cache_counters"]));
    db.close();
  });

  test("reopening does not re-run migrations; new ones apply once, atomically", () => {
    const path = tempPath();
    openDb(path).close();
    const db = openDb(path); // would throw "table already exists" if re-run
    const extra = [...MIGRATIONS, { version: 99, sql: "CREATE TABLE later (x INTEGER);" }];
    expect(migrate(db, extra)).toBe(99);
    expect(migrate(db, extra)).toBe(99);
    const broken = [...extra, { version: 100, sql: "CREATE TABLE ok2 (x); THIS IS NOT SQL;" }];
    expect(() => migrate(db, broken)).toThrow();
    expect((db.query("PRAGMA user_version").get() as any).user_version).toBe(99);
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'ok2'").get()).toBeNull();
    db.close();
  });

  test("every pending step applies in one transaction: a failing step leaves a new database empty", () => {
    const db = new Database(tempPath(), { create: true, strict: true });
    const broken = [...MIGRATIONS, { version: 100, sql: "THIS IS NOT SQL;" }];
    expect(() => migrate(db, broken)).toThrow();
    expect((db.query("PRAGMA user_version").get() as any).user_version).toBe(0);
    expect(db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([]);
    expect(migrate(db)).toBe(MIGRATIONS.at(-1)!.version);
    db.close();
  });
});
