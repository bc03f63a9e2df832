// How much more the data dir may take of its disk. A Raspberry Pi's SD card is shared with the
// system, its journal and often the models themselves: a cache that grows until SQLite answers
// "database or disk is full" has by then broken whatever else writes there, and its own file
// can no longer be checkpointed. So the stores that grow the file (the prompt cache, stored
// responses) ask this first and stop growing it once the disk's free space reaches the reserve
// (`server.keep_free_disk`); they keep working inside the space they already have.
import { statfsSync } from "node:fs";
import type { Database } from "bun:sqlite";

export interface DiskRoom {
  /**
   * Bytes the file may still grow by before the disk's free space falls to the reserve: 0 or
   * less once it has (another program may have filled the disk); Infinity when it cannot be told.
   */
  room(): number;
  /** This process just wrote about this many bytes: taken off the room until the disk is asked again. */
  spent(bytes: number): void;
}

/** What node:fs statfsSync tells of a filesystem (numbers, or bigints with `bigint: true`). */
export type StatFs = (path: string) => { bavail: number | bigint; bsize: number | bigint; blocks: number | bigint };

/** The reserve when none is configured: 5% of the filesystem, at most 1 GiB. */
export const AUTO_RESERVE_SHARE = 0.05;
export const AUTO_RESERVE_MAX = 1024 ** 3;

// A flush asks at most once per this (statfs is a system call; a burst of writes needs one answer).
const FRESH_MS = 1000;

/** The disk as one reading saw it: what was free, and what is to stay free. */
export interface DiskState {
  freeBytes: number;
  keepBytes: number;
}

/** One statfs reading, as the free bytes and the bytes `reserve` keeps free. */
export function diskState(s: ReturnType<StatFs>, reserve: number | "auto"): DiskState {
  const bsize = Number(s.bsize);
  const keepBytes = reserve === "auto" ? Math.min(AUTO_RESERVE_MAX, Math.round(Number(s.blocks) * bsize * AUTO_RESERVE_SHARE)) : reserve;
  return { freeBytes: Number(s.bavail) * bsize, keepBytes };
}

export function diskRoom(
  dir: string,
  /** Bytes to leave free, or "auto" (AUTO_RESERVE_*). */
  reserve: number | "auto",
  opts: { statfs?: StatFs; now?: () => number; onLow?: (s: DiskState) => void; onOk?: (s: DiskState) => void } = {},
): DiskRoom {
  const statfs = opts.statfs ?? statfsSync;
  const now = opts.now ?? (() => performance.now());
  let known: { at: number; room: number } | null = null;
  let low = false;
  // Between two readings a burst of writes can take far more than the reserve's margin.
  let spentSince = 0;
  return {
    spent(bytes) {
      spentSince += bytes;
    },
    room() {
      const t = now();
      if (known && t - known.at < FRESH_MS) return known.room - spentSince;
      spentSince = 0;
      let room = Number.POSITIVE_INFINITY;
      try {
        const { freeBytes, keepBytes } = diskState(statfs(dir), reserve);
        room = freeBytes - keepBytes;
        // Told once each way, not at every write while the disk stays full.
        if (room <= 0 !== low) {
          low = !low;
          (low ? opts.onLow : opts.onOk)?.({ freeBytes, keepBytes });
        }
      } catch {
        // No statfs here (or the dir is gone): the configured max_bytes still bounds the stores.
      }
      known = { at: t, room };
      return room;
    },
  };
}

/** Bytes in pages the file holds free (rows deleted since): room that costs the disk nothing. */
export function freePageBytes(db: Database): number {
  const one = (sql: string) => Object.values(db.query(sql).get() as Record<string, number>)[0];
  return one("PRAGMA freelist_count") * one("PRAGMA page_size");
}

/** No disk to watch (an in-memory store, or a test that does not care). */
export const UNBOUNDED_ROOM: DiskRoom = { room: () => Number.POSITIVE_INFINITY, spent() {} };
