// Scenario 2: time to the first "data:" bytes of a stream, one request at a time, so the
// figure is the gateway's added latency and not queueing. Targets are interleaved per
// iteration so a slow moment on the machine hits all three alike.
import { summarize, type Summary } from "../percentile.ts";
import { BENCH_MODEL } from "../reference-upstream.ts";
import { timeStream } from "../stream-timing.ts";
import { chatBody, TARGET_NAMES, type PerTarget } from "../targets.ts";

export interface FirstByteOptions {
  samples: number;
  warmup: number;
}

export async function runFirstByte(urls: PerTarget<string>, o: FirstByteOptions): Promise<PerTarget<Summary>> {
  const body = chatBody(BENCH_MODEL, true);
  const samples: PerTarget<number[]> = { direct: [], floor: [], gateway: [] };
  for (let i = 0; i < o.warmup + o.samples; i++) {
    for (const name of TARGET_NAMES) {
      const t = await timeStream(`${urls[name]}/v1/chat/completions`, body);
      if (i >= o.warmup) samples[name].push(t.firstDataMs);
    }
  }
  return { direct: summarize(samples.direct), floor: summarize(samples.floor), gateway: summarize(samples.gateway) };
}
