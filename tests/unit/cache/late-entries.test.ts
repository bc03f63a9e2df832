// The queue of spilled answers waiting to be assembled (cache/late-entries.ts): one at a time,
// in order, the next only once the store took the last; one asked for is assembled at once;
// everything still waiting is stored at shutdown, each exactly once.
import { describe, expect, test } from "bun:test";
import { LateEntries, type LateJob } from "../../../src/cache/late-entries.ts";
import type { CacheEntry } from "../../../src/cache/store.ts";

const entry = (key: string): CacheEntry => ({ key, api: "chat", namespace: "ns", createdAt: 1, stream: null, final: { key } });

interface Traced {
  job: LateJob;
  /** What happened to this job, in order, across every job of the test. */
  log: string[];
  resolveStore(): void;
}

/** A job of `steps` steps; its store() waits until resolveStore() unless `instant`. */
function job(log: string[], key: string, o: { steps?: number; instant?: boolean; keep?: boolean; throws?: boolean } = {}): Traced {
  let resolve = () => {};
  const steps = (function* (): Generator<void, CacheEntry | null> {
    for (let i = 0; i < (o.steps ?? 3); i++) {
      log.push(`${key} step ${i}`);
      if (o.throws && i === 1) throw new Error("damaged");
      yield;
    }
    return o.keep === false ? null : entry(key);
  })();
  return {
    log,
    resolveStore: () => resolve(),
    job: {
      steps,
      store(e) {
        log.push(`${key} stored ${e.key}`);
        return o.instant ? Promise.resolve() : new Promise<void>((r) => (resolve = r));
      },
      done: () => log.push(`${key} done`),
      discard: () => log.push(`${key} discarded`),
    },
  };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe("LateEntries", () => {
  test("one job at a time, in the order they came, the next only once the store took the last", async () => {
    const log: string[] = [];
    const late = new LateEntries();
    const a = job(log, "a");
    const b = job(log, "b", { instant: true });
    late.add("a", a.job);
    late.add("b", b.job);
    await turns(20);
    expect(log).toEqual(["a step 0", "a step 1", "a step 2", "a stored a"]); // b waits for a's store
    expect(late.size).toBe(2);
    a.resolveStore();
    await turns(20);
    expect(log.slice(4)).toEqual(["a done", "b step 0", "b step 1", "b step 2", "b stored b", "b done"]);
    expect(late.size).toBe(0);
  });

  test("a step per turn: another turn's work runs between two steps", async () => {
    const log: string[] = [];
    const late = new LateEntries();
    late.add("a", job(log, "a", { steps: 4, instant: true }).job);
    setImmediate(() => log.push("other"));
    await turns(20);
    const other = log.indexOf("other");
    expect(other).toBeGreaterThan(0);
    expect(other).toBeLessThan(log.indexOf("a step 3"));
  });

  test("an entry asked for is assembled at once, ahead of the queue, and stays findable until stored", async () => {
    const log: string[] = [];
    const late = new LateEntries();
    const a = job(log, "a", { steps: 50 });
    late.add("a", a.job);
    late.add("b", job(log, "b", { instant: true }).job);
    const got = await late.get("b");
    expect(got?.key).toBe("b");
    expect(log).toContain("b step 2");
    expect(log).not.toContain("a step 49"); // a was still being assembled
    expect(late.get("nope")).toBeNull();
    await turns(80);
    expect(late.get("a")).not.toBeNull(); // assembled, its store has not taken it yet
    expect((await late.get("a"))?.key).toBe("a");
    a.resolveStore();
    await turns(5);
    expect(late.get("a")).toBeNull();
    expect(late.get("b")).toBeNull();
    // b's answer was served at once; the store still takes them in the order they came.
    expect(log.filter((l) => l.includes("stored"))).toEqual(["a stored a", "b stored b"]);
  });

  test("an answer that is not kept, or cannot be assembled, is never stored, and its job is over", async () => {
    const log: string[] = [];
    const late = new LateEntries();
    late.add("a", job(log, "a", { keep: false }).job);
    late.add("b", job(log, "b", { throws: true }).job);
    expect(await late.get("a")).toBeNull();
    expect(await late.get("b")).toBeNull();
    await turns(10);
    expect(log.filter((l) => l.includes("stored"))).toEqual([]);
    expect(log.filter((l) => l.endsWith("done")).sort()).toEqual(["a done", "b done"]);
    expect(late.size).toBe(0);
  });

  test("drain() stores everything still waiting now, each exactly once, even one half assembled", async () => {
    const log: string[] = [];
    const late = new LateEntries();
    late.add("a", job(log, "a", { steps: 10, instant: true }).job);
    late.add("b", job(log, "b", { instant: true }).job);
    await turns(3); // a is under way
    late.drain();
    expect(log.filter((l) => l.includes("stored"))).toEqual(["a stored a", "b stored b"]);
    await turns(30); // the queue, resuming, finds nothing left to do
    expect(log.filter((l) => l.includes("stored"))).toEqual(["a stored a", "b stored b"]);
    expect(log.filter((l) => l.endsWith("done"))).toEqual(["a done", "b done"]);
  });

  test("the same slot again gives up the older job; clear() gives up all", async () => {
    const log: string[] = [];
    const late = new LateEntries();
    late.add("a", job(log, "a1").job);
    late.add("a", job(log, "a2", { instant: true }).job);
    expect(log).toContain("a1 discarded");
    expect(log).toContain("a1 done");
    expect((await late.get("a"))?.key).toBe("a2");
    late.add("c", job(log, "c").job);
    late.clear();
    expect(log).toContain("c discarded");
    expect(late.size).toBe(0);
  });
});
