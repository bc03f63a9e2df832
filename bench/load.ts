// One autocannon run against one URL. autocannon's own latency histogram has whole-ms
// resolution, which reads 0 ms for a local mock, so we also keep its per-response times
// (fractional ms from process.hrtime) and take percentiles from those.
import autocannon from "autocannon";
import { summarize } from "./percentile.ts";

export interface LoadOptions {
  url: string;
  body: string;
  connections: number;
  durationSec: number;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
}

/** Bounds the sample array; past it, percentiles come from the first MAX_SAMPLES responses. */
const MAX_SAMPLES = 500_000;

export function runLoad(o: LoadOptions): Promise<LoadResult> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const tracker = autocannon(
      {
        url: o.url,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: o.body,
        connections: o.connections,
        duration: o.durationSec,
        timeout: 10,
      },
      (err, r) => {
        if (err) return reject(err);
        const s = summarize(times);
        resolve({
          rps: r.requests.average,
          p50Ms: s.p50,
          p99Ms: s.p99,
          requests: r.requests.total,
          errors: r.errors + r.timeouts,
          non2xx: r.non2xx,
        });
      },
    );
    tracker.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => {
      if (times.length < MAX_SAMPLES) times.push(ms);
    });
  });
}
