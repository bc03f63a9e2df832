// Scenario 1: non-streaming chat completions under load, one target at a time so they never
// compete for the two cores with each other (only with the load generator).
import { runLoad, type LoadResult } from "../load.ts";
import { BENCH_MODEL } from "../reference-upstream.ts";
import { chatBody, TARGET_NAMES, type PerTarget } from "../targets.ts";

export interface NonStreamingOptions {
  connections: number;
  durationSec: number;
  /** Unrecorded run first, so JIT warm-up and connection set-up stay out of the figures. */
  warmupSec: number;
}

export async function runNonStreaming(urls: PerTarget<string>, o: NonStreamingOptions): Promise<PerTarget<LoadResult>> {
  const body = chatBody(BENCH_MODEL, false);
  const out = {} as PerTarget<LoadResult>;
  for (const name of TARGET_NAMES) {
    const url = `${urls[name]}/v1/chat/completions`;
    if (o.warmupSec > 0) await runLoad({ url, body, connections: o.connections, durationSec: o.warmupSec });
    out[name] = await runLoad({ url, body, connections: o.connections, durationSec: o.durationSec });
  }
  return out;
}
