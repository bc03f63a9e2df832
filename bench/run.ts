// `npm run bench`: the gateway against a bare upstream and a bare proxy hop, side by side,
// in one run. Prints the table and writes bench/results/<date>.json.
import { join } from "node:path";
import { computeRatios } from "./ratios.ts";
import { dateStamp, describeMachine, formatReport, writeResults, type BenchResults } from "./report.ts";
import { runFirstByte } from "./scenarios/stream-first-byte.ts";
import { runNonStreaming } from "./scenarios/non-streaming.ts";
import { runStreamTotal } from "./scenarios/stream-total.ts";
import { formatCacheHit, runCacheHit } from "./scenarios/cache-hit.ts";
import { formatMemoryBurst, MEMORY_BURST_DEFAULTS, runMemoryBurst } from "./scenarios/memory-burst.ts";
import { startTargets } from "./targets.ts";

// About 70 s in all: 3 targets × (1 s warm-up + 5 s load), then the sequential stream loops,
// the cache hit runs and the memory burst (~20 s, most of it the cached gateway's shutdown).
const SETTINGS = {
  connections: 20,
  durationSec: 5,
  warmupSec: 1,
  firstByteSamples: 200,
  firstByteWarmup: 20,
  streamChunks: 20,
  chunkDelayMs: 5,
  streamTotalSamples: 20,
};

export async function runBench(): Promise<BenchResults> {
  const machine = describeMachine();
  const targets = await startTargets({ chunks: SETTINGS.streamChunks, chunkDelayMs: SETTINGS.chunkDelayMs });
  try {
    const log = (s: string) => process.stderr.write(s + "\n");
    log(`non-streaming: ${SETTINGS.durationSec} s × 3 targets at ${SETTINGS.connections} connections…`);
    const nonStreaming = await runNonStreaming(targets.urls, SETTINGS);
    log(`streaming first byte: ${SETTINGS.firstByteSamples} sequential requests per target…`);
    const firstByte = await runFirstByte(targets.urls, { samples: SETTINGS.firstByteSamples, warmup: SETTINGS.firstByteWarmup });
    log(`streaming total: ${SETTINGS.streamTotalSamples} paced streams per target…`);
    const streamTotal = await runStreamTotal(targets.urls, { samples: SETTINGS.streamTotalSamples });
    const measured = { nonStreaming, firstByte, streamTotal };
    log(`cache hit: ${SETTINGS.durationSec} s × (gateway hit, bare server with the same bytes)…`);
    const cacheHit = await runCacheHit(SETTINGS);
    const mb = MEMORY_BURST_DEFAULTS;
    log(`memory burst: ${mb.streams} concurrent ${mb.chunks}-chunk streams × (cache off, cache always)…`);
    const memoryBurst = await runMemoryBurst(mb);
    return { date: dateStamp(), machine, settings: SETTINGS, ...measured, ratios: computeRatios(measured), cacheHit, memoryBurst };
  } finally {
    await targets.stop();
  }
}

if (import.meta.main) {
  const results = await runBench();
  console.log(formatReport(results));
  if (results.cacheHit) console.log("\n" + formatCacheHit(results.cacheHit));
  if (results.memoryBurst) console.log("\n" + formatMemoryBurst(results.memoryBurst));
  const path = writeResults(results, join(import.meta.dir, "results"));
  console.log(`\nwrote ${path}`);
}
