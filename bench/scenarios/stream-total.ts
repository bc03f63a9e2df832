// Scenario 3: whole-stream time for a paced stream (a delay before each chunk, as a model
// generating tokens). A relay that buffers or waits shows up here even when first byte is fast.
import { summarize, type Summary } from "../percentile.ts";
import { PACED_MODEL } from "../reference-upstream.ts";
import { timeStream } from "../stream-timing.ts";
import { chatBody, TARGET_NAMES, type PerTarget } from "../targets.ts";

export interface StreamTotalOptions {
  samples: number;
}

export async function runStreamTotal(urls: PerTarget<string>, o: StreamTotalOptions): Promise<PerTarget<Summary>> {
  const body = chatBody(PACED_MODEL, true);
  const samples: PerTarget<number[]> = { direct: [], floor: [], gateway: [] };
  for (let i = 0; i < o.samples; i++) {
    for (const name of TARGET_NAMES) samples[name].push((await timeStream(`${urls[name]}/v1/chat/completions`, body)).totalMs);
  }
  return { direct: summarize(samples.direct), floor: summarize(samples.floor), gateway: summarize(samples.gateway) };
}
