// The data dir's disk as the stores see it: free space above the reserve, read at most once a
// second, less what this process wrote since, and told once each way when it runs out.
import { expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { AUTO_RESERVE_MAX, type DiskState, diskRoom, type StatFs } from "../../../src/db/disk-room.ts";

const MiB = 1024 * 1024;

/** A filesystem of `total` bytes with `free` available, in 4 KiB blocks, and how often it was asked. */
function fakeFs(total: number, free: number) {
  const fs = { free, calls: 0 };
  const statfs: StatFs = () => {
    fs.calls++;
    return { bsize: 4096, blocks: total / 4096, bavail: Math.floor(fs.free / 4096) };
  };
  return { fs, statfs };
}

test("room is the free space above an explicit reserve", () => {
  const { statfs } = fakeFs(1024 * MiB, 300 * MiB);
  expect(diskRoom("/data", 100 * MiB, { statfs }).room()).toBe(200 * MiB);
  expect(diskRoom("/data", 0, { statfs }).room()).toBe(300 * MiB);
  expect(diskRoom("/data", 400 * MiB, { statfs }).room()).toBe(-100 * MiB);
});

test("auto keeps 5% of the filesystem free, at most 1 GiB", () => {
  // A 16 GiB SD card keeps 819 MiB; a 252 GiB disk keeps 1 GiB.
  const card = fakeFs(16 * 1024 * MiB, 2 * 1024 * MiB);
  expect(diskRoom("/data", "auto", { statfs: card.statfs }).room()).toBe(2 * 1024 * MiB - Math.round(16 * 1024 * MiB * 0.05));
  const disk = fakeFs(252 * 1024 * MiB, 10 * 1024 * MiB);
  expect(diskRoom("/data", "auto", { statfs: disk.statfs }).room()).toBe(10 * 1024 * MiB - AUTO_RESERVE_MAX);
});

test("the disk is asked at most once a second; what was written meanwhile is taken off", () => {
  const { fs, statfs } = fakeFs(1024 * MiB, 300 * MiB);
  let t = 0;
  const d = diskRoom("/data", 100 * MiB, { statfs, now: () => t });
  expect(d.room()).toBe(200 * MiB);
  d.spent(5 * MiB);
  fs.free -= 5 * MiB;
  t = 999;
  expect(d.room()).toBe(195 * MiB);
  expect(fs.calls).toBe(1);
  // Asked again: the reading holds the writes, which are not taken off twice.
  t = 1000;
  expect(d.room()).toBe(195 * MiB);
  expect(fs.calls).toBe(2);
});

test("running out is told once, and having room again once", () => {
  const { fs, statfs } = fakeFs(1024 * MiB, 150 * MiB);
  let t = 0;
  const told: string[] = [];
  const note = (what: string) => (s: DiskState) => told.push(`${what} free=${s.freeBytes / MiB} keep=${s.keepBytes / MiB}`);
  const d = diskRoom("/data", 100 * MiB, { statfs, now: () => t, onLow: note("low"), onOk: note("ok") });
  d.room();
  for (const free of [90, 80, 100, 99, 160, 170, 50]) {
    fs.free = free * MiB;
    t += 1000;
    d.room();
  }
  expect(told).toEqual(["low free=90 keep=100", "ok free=160 keep=100", "low free=50 keep=100"]);
});

test("a disk that cannot be asked does not bound the stores (max_bytes still does)", () => {
  const d = diskRoom("/nowhere", 100 * MiB, {
    statfs: () => {
      throw new Error("ENOSYS");
    },
  });
  expect(d.room()).toBe(Number.POSITIVE_INFINITY);
});

test("the real statfs of this machine's temp dir gives a finite room", () => {
  const room = diskRoom(tmpdir(), 0).room();
  expect(Number.isFinite(room)).toBe(true);
  expect(room).toBeGreaterThan(0);
});
