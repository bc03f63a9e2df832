// `wayfront check`'s data dir lines: is the data file readable all through (SQLite's
// quick_check: every page, which serving only meets when a request needs it), and how much of
// its disk is left above `server.keep_free_disk`. Opened read-only: a running gateway may be
// using it, and check must never create or migrate it.
import { Database } from "bun:sqlite";
import { existsSync, statSync, statfsSync } from "node:fs";
import type { Config } from "../config/resolve.ts";
import { dbPath } from "../cache/open-store.ts";
import { damageAdvice } from "../db/damaged.ts";
import { type DiskState, diskState } from "../db/disk-room.ts";
import { bytes as size } from "../status/view.ts";

/** quick_check's first answer: "ok", or the first problem it found. */
function integrity(path: string): string {
  let db: Database | null = null;
  try {
    db = new Database(path, { readonly: true });
    const rows = db.query("PRAGMA quick_check(1)").all() as { quick_check: string }[];
    return rows[0]?.quick_check ?? "ok";
  } catch (err) {
    return (err as Error).message;
  } finally {
    db?.close();
  }
}

export function dataLines(config: Config): { lines: string[]; ok: boolean } {
  const path = dbPath(config);
  const lines: string[] = [];
  let ok = true;
  if (!existsSync(path)) {
    lines.push(`data: ${path} (not created yet)`);
  } else {
    const found = integrity(path);
    if (found === "ok") lines.push(`data: ${path}, ${size(statSync(path).size)}, every page readable`);
    else {
      ok = false;
      lines.push(`error: the data file ${path} is damaged (${found}). ${damageAdvice(path)}`);
    }
  }
  let s: DiskState | null = null;
  try {
    s = diskState(statfsSync(existsSync(config.server.dataDir) ? config.server.dataDir : "."), config.server.keepFreeDisk);
  } catch {
    // No statfs here: nothing to say about the disk.
  }
  if (s && s.freeBytes > s.keepBytes) lines.push(`disk: ${size(s.freeBytes)} free, ${size(s.keepBytes)} kept free (server.keep_free_disk)`);
  else if (s) {
    lines.push(
      `warning: the data dir's disk has ${size(s.freeBytes)} free, under the ${size(s.keepBytes)} server.keep_free_disk keeps: the cache and stored responses will not grow`,
    );
  }
  return { lines, ok };
}
