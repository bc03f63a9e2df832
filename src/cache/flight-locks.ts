// Coalescing across gateway instances that share a store (Redis): the instance that takes
// the lock for a key generates; the others wait a bounded time for its entry, then go
// upstream themselves. A lock expires on its own, so a leader that crashed costs its
// followers at most the lock's lifetime, never a hang.

import type { CacheEntry, CacheStore } from "./store.ts";

export interface FlightLocks {
  /** true: this process leads (or the lock could not be checked); false: another instance does. */
  acquire(key: string, namespace: string): Promise<boolean>;
  /** Drops the lock if this process holds it. */
  release(key: string, namespace: string): Promise<void>;
  /** Whether some instance still holds the lock. */
  held(key: string, namespace: string): Promise<boolean>;
}

export function isFlightLocks(s: CacheStore): s is CacheStore & FlightLocks {
  return typeof (s as Partial<FlightLocks>).acquire === "function";
}

/** Longest a follower waits for another instance's answer before generating it itself. */
export const FOLLOW_WAIT_MS = 30_000;
const POLL_MS = 50;

export async function waitForEntry(
  store: CacheStore,
  locks: FlightLocks,
  key: string,
  namespace: string,
  signal: AbortSignal,
  maxWaitMs = FOLLOW_WAIT_MS,
): Promise<CacheEntry | null> {
  const until = Date.now() + maxWaitMs;
  while (Date.now() < until && !signal.aborted) {
    await Bun.sleep(POLL_MS);
    try {
      const e = await store.get(key, namespace);
      if (e) return e;
      // The leader finished without a storable answer (error, cut stream) or died; or it
      // stored its entry after the read above and let go of the lock before this one: look once more.
      if (!(await locks.held(key, namespace))) return await store.get(key, namespace);
    } catch {
      return null; // store outage: stop waiting, answer uncached
    }
  }
  return null;
}
