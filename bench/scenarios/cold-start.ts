// Scenario: the compiled binary's cold start (spawn to the first chat completion served
// through it) and idle RSS after that request, against the floor proxy compiled the same way
// (`bun build --compile`), both in front of the same upstream. Each is started `runs` times;
// the figures are medians.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serverEnv } from "../client-cap.ts";
import { freePort, spawnBinary, untilServed } from "../gateways.ts";
import { summarize } from "../percentile.ts";
import { memoryMb } from "../proc-stat.ts";
import { BENCH_MODEL } from "../reference-upstream.ts";
import { chatBody } from "../targets.ts";

export interface ColdStartFigures {
  startMs: number;
  idleRssMb: number;
}

export interface ColdStartResult {
  runs: number;
  binary: ColdStartFigures;
  floor: ColdStartFigures;
}

/** Settle time after the first request before RSS is read: what a freshly started, idle server holds. */
const IDLE_SETTLE_MS = 300;

async function measure(
  start: () => { proc: ReturnType<typeof Bun.spawn>; url: string; startedAt: number; cleanup(): void },
): Promise<ColdStartFigures> {
  const s = start();
  try {
    const startMs = await untilServed(s.url, chatBody(BENCH_MODEL, false), s.startedAt);
    await Bun.sleep(IDLE_SETTLE_MS);
    return { startMs, idleRssMb: memoryMb(s.proc.pid) };
  } finally {
    s.proc.kill("SIGTERM");
    await s.proc.exited;
    s.cleanup();
  }
}

const median = (xs: ColdStartFigures[]): ColdStartFigures => ({
  startMs: summarize(xs.map((x) => x.startMs)).p50,
  idleRssMb: summarize(xs.map((x) => x.idleRssMb)).p50,
});

export async function runColdStart(bin: string, toml: string, upstreamUrl: string, runs: number): Promise<ColdStartResult> {
  const dir = mkdtempSync(join(tmpdir(), "wayfront-bench-floorbin-"));
  try {
    const floorBin = join(dir, "floor-proxy");
    const build = Bun.spawn(
      [process.execPath, "build", join(import.meta.dir, "..", "processes", "floor-proxy.ts"), "--compile", "--outfile", floorBin],
      {
        stdout: "ignore",
        stderr: "inherit",
      },
    );
    if ((await build.exited) !== 0) throw new Error("cold-start bench: could not compile the floor proxy");
    const floorStart = () => {
      const port = freePort();
      const startedAt = performance.now();
      const proc = Bun.spawn([floorBin, upstreamUrl, String(port)], { stdout: "ignore", stderr: "inherit", env: serverEnv() });
      return { proc, url: `http://127.0.0.1:${port}`, startedAt, cleanup() {} };
    };
    const binary: ColdStartFigures[] = [];
    const floor: ColdStartFigures[] = [];
    // Alternated, so a noisy moment hits both alike.
    for (let i = 0; i < runs; i++) {
      binary.push(await measure(() => spawnBinary(bin, toml)));
      floor.push(await measure(floorStart));
    }
    return { runs, binary: median(binary), floor: median(floor) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
