// Scenario: big request bodies (an agent deep into a session sends its whole context every
// turn), non-streamed, temperature 0 so the gateway's cache hashes and looks up every body.
// Each body is distinct, so every request is a miss that goes upstream, as a new turn does.
// Sequential and interleaved floor/gateway: the figure is the latency added, not queueing.
import { summarize, type Summary } from "../percentile.ts";
import { BENCH_MODEL } from "../reference-upstream.ts";

export interface LargeBodyOptions {
  /** Request body sizes in bytes, each with its number of samples. */
  sizes: { bytes: number; samples: number }[];
  warmup: number;
}

export type LargeBodyResult = Record<string, Record<string, Summary>>;

/** A chat request of about `bytes` bytes, unique per `seq` (a prefix differs). */
export function largeBody(bytes: number, seq: number, filler: string): string {
  const head = `turn ${seq} ${Math.random()} `;
  return JSON.stringify({ model: BENCH_MODEL, temperature: 0, messages: [{ role: "user", content: head + filler.slice(0, bytes - 120) }] });
}

async function timePost(url: string, body: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`large-body request to ${url} answered ${res.status}`);
  return performance.now() - start;
}

export async function runLargeBodies(urls: Record<string, string>, o: LargeBodyOptions): Promise<LargeBodyResult> {
  const filler = "lorem ipsum dolor sit amet, ".repeat(Math.ceil(Math.max(...o.sizes.map((s) => s.bytes)) / 28));
  const out: LargeBodyResult = {};
  let seq = 0;
  for (const size of o.sizes) {
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(urls).map((n) => [n, []]));
    for (let i = 0; i < o.warmup + size.samples; i++) {
      for (const [name, url] of Object.entries(urls)) {
        const ms = await timePost(url, largeBody(size.bytes, seq++, filler));
        if (i >= o.warmup) samples[name].push(ms);
      }
    }
    out[String(size.bytes)] = Object.fromEntries(Object.entries(samples).map(([n, s]) => [n, summarize(s)]));
  }
  return out;
}
