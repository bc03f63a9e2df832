import { afterEach, describe, expect, spyOn, test } from "bun:test";
import crypto from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, type Database } from "../../../src/db/open.ts";
import { sqliteKeyStore, VERIFY_CACHE_MS } from "../../../src/auth/key-store.ts";
import { KeyExistsError, KeyInputError, KeyRevokedError, UnknownKeyError } from "../../../src/auth/keys.ts";
import { hashTokenHex } from "../../../src/auth/token.ts";
import { Secret } from "../../../src/config/secret.ts";
import type { StaticKey } from "../../../src/config/resolve.ts";

const dirs: string[] = [];
const dbs: Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(opts: { staticKeys?: StaticKey[]; touchDelayMs?: number; onError?: (e: unknown) => void } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "wf-keys-"));
  dirs.push(dir);
  const path = join(dir, "wayfront.sqlite");
  const db = openDb(path);
  dbs.push(db);
  const clock = { t: 1_700_000_000_000 };
  const store = sqliteKeyStore(db, { now: () => clock.t, ...opts });
  return { db, dir, path, clock, store };
}

const staticKey = (name: string, value: string, extra: Partial<StaticKey> = {}): StaticKey => ({
  name,
  key: new Secret(value),
  models: null,
  rpm: null,
  tpm: null,
  maxStreams: null,
  dailyBudgetUsd: null,
  admin: false,
  ...extra,
});

describe("create and verify", () => {
  test("a created key verifies to its name, limits and own namespace", async () => {
    const { store } = setup();
    const { key, record } = store.create({ name: "laptop", models: ["a", "b"], rpm: 60, tpm: 1000, dailyBudgetUsd: 2.5, admin: true });
    expect(key).toMatch(/^wf-[0-9A-Za-z]{43}$/);
    expect(record).toMatchObject({ name: "laptop", prefix: key.slice(3, 11), models: ["a", "b"], rpm: 60, tpm: 1000, dailyBudgetUsd: 2.5 });
    expect(record).toMatchObject({ admin: true, shared: false, expiresAt: null, revokedAt: null, lastUsedAt: null });
    expect(await store.verify(key)).toEqual({
      name: "laptop",
      models: ["a", "b"],
      rpm: 60,
      tpm: 1000,
      dailyBudgetUsd: 2.5,
      maxStreams: null,
      admin: true,
      namespace: "key:laptop",
    });
  });

  test("a shared key uses the default namespace; defaults are no limits, not admin", async () => {
    const { store } = setup();
    const { key } = store.create({ name: "family", shared: true });
    expect(await store.verify(key)).toEqual({
      name: "family",
      models: null,
      rpm: null,
      tpm: null,
      dailyBudgetUsd: null,
      maxStreams: null,
      admin: false,
      namespace: "default",
    });
  });

  test("unknown, malformed and near-miss tokens are refused", async () => {
    const { store } = setup();
    const { key } = store.create({ name: "k" });
    const last = key.at(-1) === "a" ? "b" : "a";
    for (const bad of [
      "",
      "local",
      "wf-",
      key.slice(0, -1),
      key.slice(0, -1) + last,
      `${key} `,
      key.toLowerCase() === key ? key.toUpperCase() : key.toLowerCase(),
    ]) {
      expect(await store.verify(bad)).toBeNull();
    }
  });

  test("verification compares the hash bytes with crypto.timingSafeEqual", async () => {
    const { store } = setup();
    const { key } = store.create({ name: "k" });
    const spy = spyOn(crypto, "timingSafeEqual");
    try {
      expect(await store.verify(key)).not.toBeNull();
      expect(spy).toHaveBeenCalled();
      const [a, b] = spy.mock.calls.at(-1)! as unknown as [Uint8Array, Uint8Array];
      expect(a.length).toBe(32);
      expect(b.length).toBe(32);
      expect(Buffer.from(a).toString("hex")).toBe(hashTokenHex(key));
    } finally {
      spy.mockRestore();
    }
  });

  test("a taken name fails clearly; bad input is refused", () => {
    const { store } = setup();
    store.create({ name: "k" });
    expect(() => store.create({ name: "k" })).toThrow(KeyExistsError);
    expect(() => store.create({ name: "k" })).toThrow('a key named "k" already exists');
    expect(() => store.create({ name: "bad name" })).toThrow(KeyInputError);
    expect(() => store.create({ name: "x", rpm: 0 })).toThrow(KeyInputError);
    expect(() => store.create({ name: "x", models: [] })).toThrow(KeyInputError);
    expect(() => store.create({ name: "x", expiresInMs: -1 })).toThrow(KeyInputError);
    expect(store.list().map((r) => r.name)).toEqual(["k"]);
  });
});

describe("the file holds no key", () => {
  test("only the SHA-256 and the prefix are stored; list has no secret", async () => {
    const { db, dir, store } = setup();
    const { key } = store.create({ name: "k", models: ["m"] });
    const row = db.query("SELECT * FROM client_keys").get() as Record<string, unknown>;
    expect(row.hash).toBe(hashTokenHex(key));
    expect(row.prefix).toBe(key.slice(3, 11));
    expect(JSON.stringify(row)).not.toContain(key.slice(11));
    const listed = store.list();
    expect(Object.keys(listed[0]).sort()).toEqual(
      [
        "admin",
        "createdAt",
        "dailyBudgetUsd",
        "expiresAt",
        "lastUsedAt",
        "maxStreams",
        "models",
        "name",
        "prefix",
        "revokedAt",
        "rpm",
        "shared",
        "tpm",
      ].sort(),
    );
    expect(JSON.stringify(listed)).not.toContain(key.slice(11));
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f)).toString("latin1");
      expect(bytes).not.toContain(key);
      expect(bytes).not.toContain(key.slice(11));
    }
  });
});

describe("expired, revoked, rotated", () => {
  test("an expired key is refused, also when its answer is cached", async () => {
    const { store, clock } = setup();
    const { key, record } = store.create({ name: "k", expiresInMs: 60_000 });
    expect(record.expiresAt).toBe(clock.t + 60_000);
    clock.t += 59_000;
    expect(await store.verify(key)).not.toBeNull(); // cached for 5 s from here
    clock.t += 1_000;
    expect(await store.verify(key)).toBeNull();
    clock.t += 10_000;
    expect(await store.verify(key)).toBeNull();
  });

  test("revoke stops a key at once, even with its answer cached", async () => {
    const { store, clock } = setup();
    const { key } = store.create({ name: "k" });
    expect(await store.verify(key)).not.toBeNull();
    const r = store.revoke("k");
    expect(r.revokedAt).toBe(clock.t);
    expect(await store.verify(key)).toBeNull();
    // Idempotent: the first revocation time stays.
    clock.t += 1000;
    expect(store.revoke("k").revokedAt).toBe(r.revokedAt);
    expect(() => store.revoke("nope")).toThrow(UnknownKeyError);
    // A revoked name is not reused, nor rotated back to life.
    expect(() => store.create({ name: "k" })).toThrow(/revoked/);
    expect(() => store.rotate("k")).toThrow(KeyRevokedError);
  });

  test("rotate: the old key stops at once, the new one has the same name and settings", async () => {
    const { store } = setup();
    const { key: old, record } = store.create({ name: "k", models: ["m"], rpm: 5, shared: true });
    const before = await store.verify(old);
    expect(before).not.toBeNull();
    const { key, record: after } = store.rotate("k");
    expect(key).not.toBe(old);
    expect(after.prefix).toBe(key.slice(3, 11));
    expect({ ...after, prefix: record.prefix }).toEqual(record);
    expect(await store.verify(old)).toBeNull();
    expect(await store.verify(key)).toEqual(before!);
    expect(() => store.rotate("nope")).toThrow(UnknownKeyError);
  });

  test("the 5 s cache: another process's revoke is seen only once the cached answer is older than 5 s", async () => {
    const { db, store, clock } = setup();
    const other = sqliteKeyStore(db, { now: () => clock.t }); // as the CLI would, on the same file
    const { key } = store.create({ name: "k" });
    expect(await store.verify(key)).not.toBeNull();
    other.revoke("k");
    clock.t += VERIFY_CACHE_MS - 1;
    expect(await store.verify(key)).not.toBeNull(); // answered from memory: no query
    clock.t += 1;
    expect(await store.verify(key)).toBeNull();
  });

  test("cacheMs 0 asks the database every time", async () => {
    const { db, clock } = setup();
    const store = sqliteKeyStore(db, { now: () => clock.t, cacheMs: 0 });
    const other = sqliteKeyStore(db, { now: () => clock.t });
    const { key } = store.create({ name: "k" });
    expect(await store.verify(key)).not.toBeNull();
    other.revoke("k");
    expect(await store.verify(key)).toBeNull();
  });
});

describe("static keys from the config", () => {
  test("a config key verifies (any string, compared in constant time) to its name and limits", async () => {
    const { store } = setup({ staticKeys: [staticKey("ci", "plain-secret-value", { rpm: 10, admin: true }), staticKey("two", "other-secret")] });
    const spy = spyOn(crypto, "timingSafeEqual");
    try {
      expect(await store.verify("plain-secret-value")).toEqual({
        name: "ci",
        models: null,
        rpm: 10,
        tpm: null,
        dailyBudgetUsd: null,
        maxStreams: null,
        admin: true,
        namespace: "key:ci",
      });
      // Both config keys were compared, not only until the first match.
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
    } finally {
      spy.mockRestore();
    }
    expect((await store.verify("other-secret"))?.name).toBe("two");
    expect(await store.verify("plain-secret-valuE")).toBeNull();
  });

  test("any() is true with config keys alone; create refuses a config key's name", async () => {
    const { store } = setup({ staticKeys: [staticKey("ci", "s")] });
    expect(await store.any()).toBe(true);
    expect(() => store.create({ name: "ci" })).toThrow(/config/);
    expect(store.list()).toEqual([]);
  });
});

describe("any and touch", () => {
  test("any() is false on an empty table, true once a key exists (revoked ones count)", async () => {
    const { store } = setup();
    expect(await store.any()).toBe(false);
    store.create({ name: "k" });
    expect(await store.any()).toBe(true);
    store.revoke("k");
    expect(await store.any()).toBe(true);
  });

  test("touch queues; last_used_at is written in one batch on a timer", async () => {
    const { store, clock } = setup({ touchDelayMs: 10 });
    store.create({ name: "a" });
    store.create({ name: "b" });
    store.touch("a");
    expect(store.get("a")!.lastUsedAt).toBeNull(); // not on the caller's path
    clock.t += 5;
    store.touch("a");
    store.touch("b");
    store.touch("unknown");
    await Bun.sleep(50);
    expect(store.get("a")!.lastUsedAt).toBe(clock.t);
    expect(store.get("b")!.lastUsedAt).toBe(clock.t);
  });

  test("touch never throws, even when the write fails", async () => {
    const errors: unknown[] = [];
    const { db, store } = setup({ touchDelayMs: 1, onError: (e) => errors.push(e) });
    store.create({ name: "a" });
    db.exec("DROP TABLE client_keys");
    expect(() => store.touch("a")).not.toThrow();
    await Bun.sleep(20);
    expect(errors.length).toBe(1);
    expect(() => store.flush()).not.toThrow();
  });
});
