// Scenario: many concurrent open streams from a slow upstream (a token a second), held over
// bare sockets. Reports the gateway's RSS with them open, how many got their first event, and
// the time to the first event of a new (fast) stream while they are open against the same
// gateway idle. A gateway that queues upstream requests invisibly (Bun's fetch allows 256 in
// flight by default, issue 13) shows here as streams that never start and a new request that
// waits; each wait is bounded, and a bounded wait reads as that bound.
import { summarize } from "../percentile.ts";
import { memoryMb } from "../proc-stat.ts";
import { holdMany, settled } from "../raw-http.ts";
import { BENCH_MODEL, HOLD_MODEL } from "../reference-upstream.ts";
import type { ServerProcess } from "../spawn-server.ts";
import { chatBody } from "../targets.ts";

export interface OpenStreamsOptions {
  streams: number;
  /** How long the held streams may take to show their first event. */
  settleMs: number;
  /** Bound on each new request's wait for its first event. */
  probeLimitMs: number;
  probes: number;
}

export interface OpenStreamsResult {
  settings: OpenStreamsOptions;
  rssIdleMb: number;
  rssOpenMb: number;
  /** Held streams whose first event arrived within settleMs. */
  started: number;
  opened: number;
  /** p50 time to the first event of a new stream, ms. */
  firstByteIdleMs: number;
  firstByteOpenMs: number;
  /** New requests that hit probeLimitMs. */
  probesTimedOut: number;
}

/** ms to a stream's first "data:" event, or the limit when it did not come in time. */
async function probe(url: string, limitMs: number): Promise<{ ms: number; timedOut: boolean }> {
  const start = performance.now();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), limitMs);
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chatBody(BENCH_MODEL, true),
      signal: ac.signal,
    });
    for await (const chunk of res.body!) if (new TextDecoder().decode(chunk).includes("data:")) break;
    const ms = performance.now() - start;
    ac.abort(); // done with it; the rest of the stream is not wanted
    return { ms, timedOut: false };
  } catch {
    return { ms: limitMs, timedOut: true };
  } finally {
    clearTimeout(timer);
  }
}

async function probes(url: string, o: OpenStreamsOptions): Promise<{ p50: number; timedOut: number }> {
  const out: number[] = [];
  let timedOut = 0;
  for (let i = 0; i < o.probes; i++) {
    const r = await probe(url, o.probeLimitMs);
    out.push(r.ms);
    if (r.timedOut) timedOut++;
  }
  return { p50: summarize(out).p50, timedOut };
}

/** Runs against a fresh gateway (its RSS is read as it is); the caller stops it. */
export async function runOpenStreams(gw: ServerProcess, o: OpenStreamsOptions): Promise<OpenStreamsResult> {
  await probe(gw.url, o.probeLimitMs); // unrecorded: the first request also opens the upstream connection
  const idle = await probes(gw.url, o);
  const rssIdleMb = memoryMb(gw.pid);
  const port = Number(new URL(gw.url).port);
  const conns = await holdMany(o.streams, 100, {
    port,
    method: "POST",
    path: "/v1/chat/completions",
    body: chatBody(HOLD_MODEL, true),
    marker: "data:",
  });
  try {
    const started = await settled(conns, o.settleMs);
    const rssOpenMb = memoryMb(gw.pid);
    const open = await probes(gw.url, o);
    return {
      settings: o,
      rssIdleMb,
      rssOpenMb,
      started,
      opened: conns.length,
      firstByteIdleMs: idle.p50,
      firstByteOpenMs: open.p50,
      probesTimedOut: open.timedOut,
    };
  } finally {
    for (const c of conns) c.close();
  }
}
