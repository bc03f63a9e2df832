// A follower waiting on another instance's flight (cache/flight-locks.ts waitForEntry): it takes
// the entry the leader stored, even when the leader stored it and let go of the lock between
// the follower's two reads; it gives up on a leader that let go with nothing stored.
import { describe, expect, test } from "bun:test";
import { type FlightLocks, waitForEntry } from "../../../src/cache/flight-locks.ts";
import type { CacheEntry, CacheStore } from "../../../src/cache/store.ts";

const entry: CacheEntry = { key: "k", api: "chat", namespace: "ns", createdAt: 1, stream: null, final: { ok: true } };

/** A store and locks whose state moves on a script: what the n-th read of each sees. */
function scripted(script: { stored: (gets: number) => boolean; held: (checks: number) => boolean }) {
  let gets = 0;
  let checks = 0;
  const store = {
    get: async () => (script.stored(++gets) ? entry : null),
  } as unknown as CacheStore;
  const locks: FlightLocks = {
    acquire: async () => false,
    release: async () => {},
    held: async () => script.held(++checks),
  };
  return { store, locks, reads: () => ({ gets, checks }) };
}

describe("waitForEntry", () => {
  test("the leader stored its entry and let go of the lock between the follower's two reads: the entry", async () => {
    // The follower's first read misses; by its lock check the entry is stored and the lock gone.
    const s = scripted({ stored: (g) => g >= 2, held: () => false });
    expect(await waitForEntry(s.store, s.locks, "k", "ns", new AbortController().signal)).toBe(entry);
    expect(s.reads()).toEqual({ gets: 2, checks: 1 });
  });

  test("the entry appears while the lock is held: the entry", async () => {
    const s = scripted({ stored: (g) => g >= 3, held: () => true });
    expect(await waitForEntry(s.store, s.locks, "k", "ns", new AbortController().signal)).toBe(entry);
  });

  test("the leader let go with nothing stored: null, at once", async () => {
    const s = scripted({ stored: () => false, held: () => false });
    expect(await waitForEntry(s.store, s.locks, "k", "ns", new AbortController().signal)).toBeNull();
    expect(s.reads().checks).toBe(1);
  });
});
