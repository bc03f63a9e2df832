// How many bytes the gateway writes to storage per 1,000 requests, with the cache off, on
// (SQLite file) and in memory: the figure an SD card's wear depends on. Read from the kernel's
// count for the gateway process (/proc/<pid>/io write_bytes: bytes it caused to be written to
// the block layer, WAL and checkpoints included), with the data dir's size beside it.
// Linux only; the data dir must be on a real disk (a tmpfs counts nothing).
// Usage: bun bench/sd-writes.ts [requests=1000]
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnServer } from "./spawn-server.ts";

const N = Number(process.argv[2] ?? 1000);
// After the last request: the cache's batched writes and its hit bookkeeping (1 s) land.
const SETTLE_MS = 2500;

const SCENARIOS = [
  { name: "cache off", mode: "off", backend: "sqlite", distinct: true },
  { name: "cache on, every prompt new (1,000 writes)", mode: "always", backend: "sqlite", distinct: true },
  { name: "cache on, one prompt repeated (hits)", mode: "always", backend: "sqlite", distinct: false },
  { name: 'cache on, backend = "memory"', mode: "always", backend: "memory", distinct: true },
] as const;

function writeBytes(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  return Number(/write_bytes: (\d+)/.exec(io)?.[1] ?? Number.NaN);
}

const dirBytes = (dir: string) => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

async function chat(url: string, content: string): Promise<void> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "bench-model", stream: true, messages: [{ role: "user", content }] }),
  });
  await r.text();
}

async function run(s: (typeof SCENARIOS)[number], upstream: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "wayfront-sd-"));
  const gw = await spawnServer("sd-gateway", [upstream, dataDir, s.mode, s.backend]);
  try {
    await chat(gw.url, "warm-up"); // start-up writes (migrations) are not per request
    await Bun.sleep(SETTLE_MS);
    const before = writeBytes(gw.pid);
    const sizeBefore = dirBytes(dataDir);
    // A coding agent's turn is a few KB of prompt; 2 KB each here.
    for (let i = 0; i < N; i++) await chat(gw.url, `${s.distinct ? i : 0} ${"context ".repeat(256)}`);
    await Bun.sleep(SETTLE_MS);
    return { name: s.name, written: writeBytes(gw.pid) - before, grown: dirBytes(dataDir) - sizeBefore };
  } finally {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const up = await spawnServer("upstream", ["20", "0"]);
  try {
    console.log(`bytes written to storage per ${N} streamed chat requests (20-chunk answers, 2 KB prompts)`);
    for (const s of SCENARIOS) {
      const r = await run(s, up.url);
      console.log(`${r.name.padEnd(44)} write_bytes ${String(r.written).padStart(10)}  data dir grew ${r.grown}`);
    }
  } finally {
    await up.stop();
  }
}
