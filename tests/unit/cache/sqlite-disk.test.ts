// The SQLite cache on a disk that runs out of room: it stops growing its file at the reserve
// (db/disk-room.ts) and keeps working in the space it has; a disk that is full all the same
// (another program filled it) fails the writes, told once as "writes failing" and once as
// "back", never as the backend going down and up at every request. Real SQLite files; the
// disk's room is injected, SQLITE_FULL is real (max_page_count).
import { afterEach, expect, test } from "bun:test";
import { sqliteStore } from "../../../src/cache/sqlite.ts";
import type { CacheEntry, CacheStore } from "../../../src/cache/store.ts";
import { cacheOutageEvents, cacheWriteEvents, watchStore } from "../../../src/cache/watch.ts";
import type { DiskRoom } from "../../../src/db/disk-room.ts";
import { openDb } from "../../../src/db/open.ts";
import type { EventSink, GatewayEvent } from "../../../src/status/events.ts";
import { tempDirs } from "../../helpers/temp-dirs.ts";

const temp = tempDirs("wf-cache-disk-");
const stores: CacheStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  temp.clean();
});

const ANSWER = "y".repeat(10_000);
const entry = (key: string): CacheEntry => ({ key, api: "chat", namespace: "ns", createdAt: 1000, stream: null, final: ANSWER });

/** A disk whose room the test sets; what the store says it wrote comes off it, as on a real disk. */
function disk(room: number): DiskRoom & { left: number; spentTotal: number } {
  return {
    left: room,
    spentTotal: 0,
    room() {
      return this.left;
    },
    spent(b) {
      this.spentTotal += b;
      this.left -= b;
    },
  };
}

function make(d: DiskRoom, maxBytes = 100 << 20, extra: Partial<Parameters<typeof sqliteStore>[0]> = {}) {
  let t = 1000;
  const s = sqliteStore({ path: temp.file("wayfront.sqlite"), ttlMs: 3_600_000, maxBytes, now: () => ++t, disk: d, ...extra });
  stores.push(s);
  return s;
}

async function fill(s: CacheStore, prefix: string, n: number) {
  for (let i = 0; i < n; i++) await s.put(entry(`${prefix}${i}`));
}

test("with no room left new answers take the least recently used ones' place: the cache does not grow", async () => {
  const d = disk(Number.POSITIVE_INFINITY);
  const s = make(d);
  await fill(s, "old", 20);
  const before = await s.stats();
  expect(before.entries).toBe(20);
  d.left = 0;
  await fill(s, "new", 10);
  const after = await s.stats();
  expect(after.bytes).toBeLessThanOrEqual(before.bytes);
  expect(after.entries).toBeGreaterThanOrEqual(18);
  // The newest answers are the ones kept, the oldest went.
  for (let i = 0; i < 10; i++) expect(await s.get(`new${i}`, "ns")).not.toBeNull();
  expect(await s.get("old0", "ns")).toBeNull();
  expect(await s.get("old19", "ns")).not.toBeNull();
});

test("with some room the cache grows by about that much, then stops", async () => {
  const d = disk(Number.POSITIVE_INFINITY);
  const s = make(d);
  await fill(s, "a", 5);
  const start = (await s.stats()).bytes;
  d.left = 35_000; // three and a half answers
  await fill(s, "b", 10);
  const grown = (await s.stats()).bytes - start;
  expect(grown).toBeGreaterThan(20_000);
  expect(grown).toBeLessThanOrEqual(35_000);
  expect(d.spentTotal).toBeGreaterThan(0);
});

test("a disk filled by someone else does not make the cache evict what it holds (deleting frees no disk)", async () => {
  const d = disk(Number.POSITIVE_INFINITY);
  const s = make(d);
  await fill(s, "old", 20);
  d.left = -500 << 20;
  await fill(s, "new", 3);
  // Each new answer replaces about one old one; the cache is not emptied.
  expect((await s.stats()).entries).toBeGreaterThanOrEqual(18);
});

test("an answer fits in the pages earlier evictions freed, even with no disk to spare", async () => {
  const path = temp.file("wayfront.sqlite");
  const d = disk(Number.POSITIVE_INFINITY);
  let t = 1000;
  const s = sqliteStore({ path, ttlMs: 3_600_000, maxBytes: 100 << 20, now: () => ++t, disk: d });
  stores.push(s);
  await fill(s, "old", 20);
  // Make free pages: the file keeps them after rows are deleted.
  const db = openDb(path);
  db.exec("DELETE FROM cache_entries WHERE key LIKE 'old1%'");
  db.close();
  d.left = 0;
  await fill(s, "new", 5);
  for (let i = 0; i < 5; i++) expect(await s.get(`new${i}`, "ns")).not.toBeNull();
  expect(await s.get("old0", "ns")).not.toBeNull();
});

test("a full disk (real SQLITE_FULL) says 'writes failing' once and 'back' once, and never 'down'", async () => {
  const path = temp.file("wayfront.sqlite");
  const db = openDb(path);
  const events: GatewayEvent[] = [];
  const sink: EventSink = { emit: (e) => events.push(e), once: () => false, clear: () => false };
  const writes = cacheWriteEvents(sink, "sqlite");
  let t = 1000;
  const inner = sqliteStore({
    path,
    ttlMs: 3_600_000,
    maxBytes: 100 << 20,
    db,
    now: () => ++t,
    onError: (e) => writes.failed(e),
    onWritten: () => writes.ok(),
  });
  const s = watchStore(inner, cacheOutageEvents(sink, "sqlite"));
  stores.push(s);
  await fill(s, "a", 3);
  // The file may not grow past what it has: every further write fails as on a full disk.
  const pages = (db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
  db.exec(`PRAGMA max_page_count = ${pages}`);
  for (let i = 0; i < 6; i++) {
    await s.put(entry(`full${i}`));
    // Lookups still work meanwhile.
    expect(await s.get("a0", "ns")).not.toBeNull();
  }
  expect(await s.get("full5", "ns")).toBeNull();
  db.exec(`PRAGMA max_page_count = ${pages * 100}`);
  await s.put(entry("after"));
  expect(await s.get("after", "ns")).not.toBeNull();
  expect(events.map((e) => e.type)).toEqual(["cache_writes_failing", "cache_writes_back"]);
  expect((events[0] as { reason: string }).reason).toMatch(/full/i);
});
