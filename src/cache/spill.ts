// Where a large cacheable stream waits on disk while it is relayed, instead of in memory as an
// assembled answer. 200 concurrent 2 MiB answers assembled as they streamed held 400 MiB of
// text the gateway had no use for until each stream was over, and decoding every batch to
// read it made as much again in garbage; written here as the bytes the client got, they cost
// a part's worth each (cache/record.ts), and are read back one answer at a time once they
// are over (cache/late-entries.ts).
//
// A spill file is the answer's SSE events, whole, as they were sent. Each part is appended by
// opening, writing and closing the file: no descriptor is held per stream, so a thousand open
// streams hold none and none can leak. Files are named for the process that wrote them; when
// the directory is opened, those of processes no longer running (a killed gateway) are
// removed. Another gateway on the same data dir keeps its own.
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writevSync } from "node:fs";
import { join } from "node:path";

// What a spill holds in memory (as references to the batches it was given) before it writes.
const PART_BYTES = 64 * 1024;

export interface SpillFile {
  /** Bytes of whole events. False when the write failed (a full disk): the file is gone then. */
  append(bytes: Uint8Array): boolean;
  /** Writes what is still held. False when that failed (the file is gone then). */
  close(): boolean;
  /** Everything written. Throws when the file is gone. */
  read(): Uint8Array;
  remove(): void;
}

export interface SpillDir {
  open(): SpillFile;
}

export function spillDir(path: string): SpillDir {
  mkdirSync(path, { recursive: true });
  for (const name of readdirSync(path)) {
    const pid = Number(name.split("-")[0]);
    if (pid === process.pid || !running(pid)) rmSync(join(path, name), { recursive: true, force: true });
  }
  let n = 0;
  return {
    open: () => spillFile(join(path, `${process.pid}-${++n}`)),
  };
}

function running(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM"; // alive, someone else's
  }
}

function spillFile(path: string): SpillFile {
  let part: Uint8Array[] = [];
  let held = 0;
  let gone = false;
  const remove = () => {
    gone = true;
    part = [];
    held = 0;
    rmSync(path, { force: true });
  };
  const write = (): boolean => {
    if (gone) return false;
    if (part.length === 0) return true;
    const bufs = part;
    part = [];
    held = 0;
    try {
      const fd = openSync(path, "a");
      try {
        let left = bufs.reduce((n, b) => n + b.length, 0);
        // writev may take less than all of it (a signal, a nearly full disk): go on from there.
        while (left > 0) {
          let n = writevSync(fd, bufs);
          if (n <= 0) throw new Error("the disk took nothing");
          left -= n;
          while (bufs.length && n >= bufs[0].length) n -= bufs.shift()!.length;
          if (n > 0) bufs[0] = bufs[0].subarray(n);
        }
      } finally {
        closeSync(fd);
      }
      return true;
    } catch {
      remove();
      return false;
    }
  };
  return {
    append(bytes) {
      if (gone) return false;
      part.push(bytes);
      held += bytes.length;
      return held < PART_BYTES || write();
    },
    close: write,
    read() {
      if (gone) throw new Error(`spill file ${path} was removed`);
      return readFileSync(path);
    },
    remove,
  };
}
