// A data dir on a small disk, as on a Raspberry Pi's SD card: real tmpfs filesystems of a few
// MiB (mounting needs root; elsewhere these tests are skipped and say why), a real gateway
// and a mock upstream answering ~50 KB per request, every request distinct and cacheable.
// - With the reserve (server.keep_free_disk) the cache stops growing the file before the disk
//   is full, and says so once.
// - With no reserve the disk fills: every answer is still served, and the log says once that
//   the cache cannot store answers (and stored responses that they cannot be written), not
//   "down" and "back" or a line at every request.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestGateway, upstreamToml } from "../helpers/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";

const MiB = 1024 * 1024;
const mounts: string[] = [];

/** A fresh tmpfs of `mib` MiB, or the reason there cannot be one here. */
function tmpfs(mib: number): string | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: "mounting a tmpfs needs root" };
  const dir = mkdtempSync(join(tmpdir(), "wf-disk-"));
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", dir], { stderr: "pipe" });
  if (r.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `mount failed: ${r.stderr.toString().trim()}` };
  }
  mounts.push(dir);
  return dir;
}

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream({ models: ["mock-model"] });
});
afterAll(async () => {
  await upstream.stop();
  for (const dir of mounts) {
    Bun.spawnSync(["umount", "-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

const freeBytes = (dir: string) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

async function ask(v1: string, prompt: string): Promise<number> {
  const res = await fetch(`${v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "local/mock-model+tokens:8000", temperature: 0, messages: [{ role: "user", content: prompt }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

const eventLines = (logs: string[], msg: string) => logs.filter((l) => l.includes(`"msg":"${msg}`));

test("with a reserve, the cache stops growing before the disk is full and says so once", async () => {
  const disk = tmpfs(24);
  if (typeof disk !== "string") return console.warn(`skipped: ${disk.reason}`);
  const dataDir = join(disk, "data");
  mkdirSync(dataDir);
  const gw = await startTestGateway(`[server]\nkeep_free_disk = "10MiB"\n${upstreamToml("local", upstream.url)}\n[log]\nformat = "json"\n`, {
    dataDir,
  });
  try {
    let lowest = freeBytes(disk);
    const statuses = new Set<number>();
    // About 21 MB of answers for the 14 MiB the reserve leaves.
    for (let i = 0; i < 420; i++) {
      statuses.add(await ask(gw.v1, `question ${i}`));
      lowest = Math.min(lowest, freeBytes(disk));
    }
    expect([...statuses]).toEqual([200]);
    // The reserve held, less SQLite's write-ahead log (a few MiB) and a batch in flight; the
    // disk was never full.
    expect(lowest).toBeGreaterThan(4 * MiB);
    expect(eventLines(gw.logs, "data dir's disk nearly full")).toHaveLength(1);
    expect(eventLines(gw.logs, "cache cannot store answers")).toHaveLength(0);
    expect(eventLines(gw.logs, "cache backend down")).toHaveLength(0);
    // It still stores and replays what it has room for.
    const cached = await (await fetch(`${gw.url}/metrics`)).text();
    expect(Number(/^wayfront_cache_entries (\d+)/m.exec(cached)![1])).toBeGreaterThan(50);
  } finally {
    await gw.stop();
  }
});

test("with no reserve a full disk fails the cache's writes, told once; every answer is still served", async () => {
  const disk = tmpfs(3);
  if (typeof disk !== "string") return console.warn(`skipped: ${disk.reason}`);
  const dataDir = join(disk, "data");
  mkdirSync(dataDir);
  const gw = await startTestGateway(`[server]\nkeep_free_disk = 0\n${upstreamToml("local", upstream.url)}\n[log]\nformat = "json"\n`, {
    dataDir,
  });
  try {
    const statuses = new Set<number>();
    for (let i = 0; i < 120; i++) statuses.add(await ask(gw.v1, `question ${i}`));
    expect([...statuses]).toEqual([200]);
    expect(freeBytes(disk)).toBeLessThan(256 * 1024);
    expect(eventLines(gw.logs, "cache cannot store answers")).toHaveLength(1);
    expect(eventLines(gw.logs, "cache backend down")).toHaveLength(0);
    expect(eventLines(gw.logs, "cache backend back")).toHaveLength(0);
    // Responses turns are answered too; that they cannot be stored is said once, not per turn.
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${gw.v1}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "local/mock-model+tokens:8000", input: `turn ${i}` }),
      });
      await r.arrayBuffer();
      expect(r.status).toBe(200);
    }
    expect(eventLines(gw.logs, "stored responses cannot be written")).toHaveLength(1);
    // Answers stored before the disk filled are still replayed.
    const res = await fetch(`${gw.v1}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "local/mock-model+tokens:8000", temperature: 0, messages: [{ role: "user", content: "question 0" }] }),
    });
    await res.arrayBuffer();
    expect(res.headers.get("x-wayfront-cache")).toBe("HIT");
  } finally {
    await gw.stop();
  }
});

test("a reserve larger than the disk's free space: nothing new is written, the status page and /status.json say why", async () => {
  // No tmpfs needed: this machine's disk has less than 100,000 GiB free.
  const gw = await startTestGateway(`[server]\nkeep_free_disk = "100000GiB"\n${upstreamToml("local", upstream.url)}\n[log]\nformat = "json"\n`);
  try {
    for (let i = 0; i < 3; i++) expect(await ask(gw.v1, `question ${i}`)).toBe(200);
    const status = (await (await fetch(`${gw.url}/status.json`)).json()) as any;
    expect(status.data.dir).toBe(gw.dataDir);
    expect(status.data.disk_low).toBe(true);
    expect(status.data.keep_free_bytes).toBe(100000 * 1024 ** 3);
    expect(status.data.free_bytes).toBeGreaterThan(0);
    // Nothing reached the file (recent answers may still be replayed from memory, the hot tier).
    expect(status.cache.entries).toBe(0);
    const page = await (await fetch(`${gw.url}/status`)).text();
    expect(page).toContain('id="disk-low"');
    expect(page).toContain("100000.0 GiB");
    expect(eventLines(gw.logs, "data dir's disk nearly full")).toHaveLength(1);
  } finally {
    await gw.stop();
  }
});

test("with room on the disk, /status.json says so and the page shows no warning", async () => {
  const gw = await startTestGateway(`${upstreamToml("local", upstream.url)}\n`);
  try {
    const status = (await (await fetch(`${gw.url}/status.json`)).json()) as any;
    expect(status.data.disk_low).toBe(false);
    expect(status.data.free_bytes).toBeGreaterThan(status.data.keep_free_bytes);
    expect(await (await fetch(`${gw.url}/status`)).text()).not.toContain('id="disk-low"');
  } finally {
    await gw.stop();
  }
});
