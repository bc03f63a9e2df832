import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SIZE_SQL, sqliteStore } from "../../../src/cache/sqlite.ts";
import type { CacheEntry, CacheStore } from "../../../src/cache/store.ts";
import { openDb } from "../../../src/db/open.ts";
import { tempDirs } from "../../helpers/temp-dirs.ts";

const temp = tempDirs("wf-cache-");
const stores: CacheStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  temp.clean();
});
const tempPath = () => temp.file("wayfront.db");

function make(opts: { ttlMs?: number; maxBytes?: number; now?: () => number; path?: string } = {}) {
  const s = sqliteStore({ path: opts.path ?? tempPath(), ttlMs: opts.ttlMs ?? 60_000, maxBytes: opts.maxBytes ?? 1 << 20, now: opts.now });
  stores.push(s);
  return s;
}

const entry = (key: string, over: Partial<CacheEntry> = {}): CacheEntry => ({
  key,
  api: "chat",
  namespace: "ns",
  createdAt: 1000,
  stream: ['{"a":1}'],
  final: { text: key },
  ...over,
});

describe("sqliteStore", () => {
  test("the size check and the LRU page read only the (last_used, bytes) index, never the stored answers", () => {
    // Reading `bytes` from the table walks every row's overflow pages (the answer is stored
    // before it): 377 ms per flush with 200 entries of 4 MB.
    const db = openDb(tempPath());
    try {
      for (const sql of [SIZE_SQL.total, SIZE_SQL.lru]) {
        const plan = db.query(`EXPLAIN QUERY PLAN ${sql}`).all(64) as { detail: string }[];
        expect(plan.map((p) => p.detail)).toEqual(["SCAN cache_entries USING COVERING INDEX cache_entries_lru"]);
      }
    } finally {
      db.close();
    }
  });

  test("a burst of puts is written a few entries per turn, never one long transaction; nothing is lost", async () => {
    const path = tempPath();
    const s = make({ path, now: () => 1000 });
    const all = Array.from({ length: 10 }, (_, i) => s.put(entry(`burst-${i}`)));
    // One turn later only some are on disk, but every one answers at once.
    await new Promise((r) => setTimeout(r, 0));
    const onDisk = () => openDb(path).query<{ n: number }, []>("SELECT count(*) AS n FROM cache_entries").get()!.n;
    const first = onDisk();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(10);
    for (let i = 0; i < 10; i++) expect((await s.get(`burst-${i}`, "ns"))?.final).toEqual({ text: `burst-${i}` });
    await Promise.all(all);
    expect(onDisk()).toBe(10);
  });

  test("large answers are written about a megabyte per turn, one at least; nothing is lost", async () => {
    const path = tempPath();
    const s = make({ path, now: () => 1000, maxBytes: 64 << 20 });
    const big = "z".repeat(700 * 1024);
    const all = Array.from({ length: 6 }, (_, i) => s.put(entry(`big-${i}`, { final: big, stream: null })));
    const onDisk = () => openDb(path).query<{ n: number }, []>("SELECT count(*) AS n FROM cache_entries").get()!.n;
    await new Promise((r) => setTimeout(r, 0));
    // 700 KiB each: two fit the turn's megabyte (the second passes it), not four.
    expect(onDisk()).toBe(2);
    await Promise.all(all);
    expect(onDisk()).toBe(6);
    // One entry larger than the turn's megabyte is still written in one turn.
    const huge = s.put(entry("huge", { final: "h".repeat(3 << 20), stream: null }));
    await new Promise((r) => setTimeout(r, 0));
    expect(onDisk()).toBe(7);
    await huge;
  });

  test("an entry's digest is read at the write, not at put, and comes back from the file", async () => {
    const path = tempPath();
    const s = make({ path, now: () => 1000 });
    let reads = 0;
    const e = entry("kd");
    Object.defineProperty(e, "digest", { enumerable: true, get: () => (reads++, "d".repeat(64)) });
    const flushed = s.put(e);
    expect(reads).toBe(0); // the answer's path never pays for the hash
    await flushed;
    expect(reads).toBeGreaterThan(0);
    s.close();
    stores.length = 0;
    expect((await make({ path, now: () => 1000 }).get("kd", "ns"))?.digest).toBe("d".repeat(64));
  });

  test("put then get, before and after the flush, and after reopening", async () => {
    const path = tempPath();
    const s = make({ path, now: () => 1000 });
    const flushed = s.put(entry("k1", { near: { nearKey: "nk", simhash: (1n << 63n) | 5n } }));
    expect((await s.get("k1", "ns"))?.final).toEqual({ text: "k1" }); // from the queue
    await flushed;
    s.close();
    stores.length = 0;
    const again = make({ path, now: () => 1000 });
    const got = await again.get("k1", "ns");
    expect(got).toEqual(entry("k1", { near: { nearKey: "nk", simhash: (1n << 63n) | 5n } }));
    expect(await again.get("nope", "ns")).toBeNull();
    const st = await again.stats();
    // Counters live in the file: the hit before the reopen counts too.
    expect(st).toMatchObject({ entries: 1, hits: 2, misses: 1 });
    expect(st.bytes).toBe(JSON.stringify({ text: "k1" }).length + JSON.stringify(['{"a":1}']).length);
  });

  test("hit bookkeeping (get hits, noteHit, misses) is written with the next put's flush", async () => {
    const path = tempPath();
    const s = make({ path, now: () => 1000 });
    await s.put(entry("k"));
    await s.get("k", "ns");
    s.noteHit!("k", "ns");
    await s.get("absent", "ns");
    await s.put(entry("k2"));
    // Another connection to the same file sees what this one flushed, without flushing it.
    const other = make({ path, now: () => 1000 });
    expect(await other.stats()).toMatchObject({ entries: 2, hits: 2, misses: 1 });
  });

  test("null stream round-trips as null", async () => {
    const s = make({ now: () => 1000 });
    await s.put(entry("k", { stream: null }));
    expect((await s.get("k", "ns"))?.stream).toBeNull();
  });

  test("namespaces are isolated", async () => {
    const s = make({ now: () => 1000 });
    await s.put(entry("same", { namespace: "a", final: "A" }));
    await s.put(entry("same", { namespace: "b", final: "B" }));
    expect((await s.get("same", "a"))?.final).toBe("A");
    expect((await s.get("same", "b"))?.final).toBe("B");
    expect(await s.get("same", "c")).toBeNull();
    expect(await s.getNear("x", 0n, 64, "c")).toBeNull();
  });

  test("TTL: expired entries are not served and are pruned", async () => {
    let t = 1000;
    const s = make({ ttlMs: 500, now: () => t });
    await s.put(entry("old", { createdAt: 1000 }));
    await s.put(entry("new", { createdAt: 1400 }));
    t = 1499;
    expect(await s.get("old", "ns")).not.toBeNull();
    t = 1500;
    expect(await s.get("old", "ns")).toBeNull();
    expect(await s.get("new", "ns")).not.toBeNull();
    expect(await s.prune()).toBe(1);
    expect((await s.stats()).entries).toBe(1);
  });

  test("LRU eviction by bytes keeps the recently used entries", async () => {
    let t = 1000;
    const big = "y".repeat(1000);
    const s = make({ maxBytes: 3500, now: () => t });
    for (const k of ["a", "b", "c"]) {
      t++;
      await s.put(entry(k, { final: big, stream: null }));
    }
    t++;
    expect(await s.get("a", "ns")).not.toBeNull(); // a is now more recent than b
    t++;
    await s.put(entry("d", { final: big, stream: null })); // over the cap: b goes
    expect(await s.get("b", "ns")).toBeNull();
    for (const k of ["a", "c", "d"]) expect(await s.get(k, "ns")).not.toBeNull();
    const st = await s.stats();
    expect(st.entries).toBe(3);
    expect(st.bytes).toBeLessThanOrEqual(3500);
  });

  test("the cap holds over many puts, and when another process writes the same file", async () => {
    // The store keeps a running estimate of the file's size rather than summing it at every
    // flush; another connection's commits must still be seen.
    let t = 1000;
    const path = tempPath();
    const big = "y".repeat(1000);
    const a = make({ path, maxBytes: 6500, now: () => t });
    const b = make({ path, maxBytes: 6500, now: () => t });
    const bytesOnFile = async () => (await a.stats()).bytes;
    for (let i = 0; i < 4; i++) {
      t++;
      await a.put(entry(`a${i}`, { final: big, stream: null }));
    }
    for (let i = 0; i < 4; i++) {
      t++;
      await b.put(entry(`b${i}`, { final: big, stream: null }));
      expect(await bytesOnFile()).toBeLessThanOrEqual(6500);
    }
    // A's own estimate still says about 4 KB; B's rows are there too.
    for (let i = 4; i < 8; i++) {
      t++;
      await a.put(entry(`a${i}`, { final: big, stream: null }));
      expect(await bytesOnFile()).toBeLessThanOrEqual(6500);
    }
    // The most recent ones stayed.
    expect(await a.get("a7", "ns")).not.toBeNull();
    expect(await a.get("a0", "ns")).toBeNull();
    for (let i = 0; i < 60; i++) {
      t++;
      await a.put(entry(`c${i}`, { final: big, stream: null }));
    }
    expect(await bytesOnFile()).toBeLessThanOrEqual(6500);
    expect((await a.stats()).entries).toBe(6);
  });

  test("an entry larger than the cap is not stored", async () => {
    const s = make({ maxBytes: 100, now: () => 1000 });
    await s.put(entry("huge", { final: "z".repeat(500) }));
    s.close();
    stores.length = 0;
    expect((await make({ maxBytes: 100, now: () => 1000 }).stats()).entries).toBe(0);
  });

  test("getNear picks the closest within the distance, same near key only", async () => {
    const s = make({ now: () => 1000 });
    await s.put(entry("far", { near: { nearKey: "nk", simhash: 0b1111n } }));
    await s.put(entry("close", { near: { nearKey: "nk", simhash: 0b0001n } }));
    await s.put(entry("other", { near: { nearKey: "nk2", simhash: 0n } }));
    expect((await s.getNear("nk", 0n, 3, "ns"))?.key).toBe("close");
    expect(await s.getNear("nk", 0b1111_0000_0000n, 3, "ns")).toBeNull();
    expect((await s.getNear("nk2", 0n, 0, "ns"))?.key).toBe("other");
  });

  test("clear empties entries and counters", async () => {
    const s = make({ now: () => 1000 });
    await s.put(entry("k"));
    await s.get("k", "ns");
    await s.clear();
    expect(await s.get("k", "ns")).toBeNull();
    expect(await s.stats()).toMatchObject({ entries: 0, hits: 0, misses: 1 });
  });

  test("SIGKILL during a write loop leaves only complete entries", async () => {
    const path = tempPath();
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "crash-writer.ts"), path], { stdout: "pipe", stderr: "inherit" });
    // Wait until the child has flushed a number of entries, then kill it mid-loop.
    try {
      const reader = child.stdout.getReader();
      let seen = "";
      while ((seen.match(/\n/g)?.length ?? 0) < 20) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`writer exited early: ${seen}`);
        seen += new TextDecoder().decode(value);
      }
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
    expect(child.signalCode).toBe("SIGKILL");

    const db = openDb(path);
    const rows = db.query<{ key: string; final: string; stream: string }, []>("SELECT key, final, stream FROM cache_entries").all();
    db.close();
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const r of rows) {
      const final = JSON.parse(r.final) as { i: number; parts: number; total: number };
      const stream = JSON.parse(r.stream) as string[];
      expect(r.key).toBe(`k${final.i}`);
      expect(stream.length).toBe(final.parts);
      expect(stream.reduce((n, p) => n + p.length, 0)).toBe(final.total);
      for (const [j, p] of stream.entries()) expect(p.startsWith(`${final.i}:${j}:`)).toBe(true);
    }
    // And the store itself serves them after the crash.
    const s = make({ path, ttlMs: 3_600_000, maxBytes: 1 << 30 });
    expect((await s.get(rows[0].key, "crash"))?.stream?.length).toBe(8);
  });
});
