// Scenario: a burst of big cacheable streams. 200 concurrent streamed chat requests, each
// answered with 2 MiB (1,024 chunks of ~2 KB) as fast as the upstream can send it, through a
// gateway with the cache off and then through one with `[cache] mode = "always"` (distinct
// prompts at temperature 0: every request leads its own flight and is recorded). /healthz is
// asked every 20 ms all along, from its own process. The target: the cached burst
// peaks under 2× the RSS of the uncached one, and /healthz answers within 100 ms meanwhile.
// The same burst then goes through two reference relays (processes/relay-floor.ts) that answer
// /healthz themselves: one passing every read of a fetch body on in JS and doing nothing else,
// one piping natively. What /healthz gets through them is what this box allows a relay that
// reads its stream through Bun's fetch, and one that does not read it at all.
// Runnable alone: `npx bun bench/scenarios/memory-burst.ts`.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { summarize } from "../percentile.ts";
import { BIG_MODEL } from "../processes/big-stream-upstream.ts";
import { POLLING_LINE, type PollResult } from "../processes/healthz-poller.ts";
import { table } from "../report.ts";
import { spawnServer, type ServerProcess } from "../spawn-server.ts";

export interface MemoryBurstOptions {
  streams: number;
  chunks: number;
  /** Characters of content per chunk. */
  pieceBytes: number;
  healthzIntervalMs: number;
}

export const MEMORY_BURST_DEFAULTS: MemoryBurstOptions = { streams: 200, chunks: 1024, pieceBytes: 2000, healthzIntervalMs: 20 };

/** The targets. */
export const MEMORY_BURST_TARGETS = { peakRatio: 2, healthzMaxMs: 100 };

export interface HealthzFigures {
  n: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface BurstFigures {
  /** What served the burst: the gateway with its cache off or on, or a reference relay. */
  cache: "off" | "always" | "js relay" | "native pipe";
  /** From the first request sent to the last stream ended. */
  wallMs: number;
  /** Streams that did not answer 200 with the whole answer and [DONE]. */
  failed: number;
  /** Smallest answer a client got, in bytes. */
  minBytes: number;
  /** x-wayfront-cache of the answers (MISS for a recorded leader, BYPASS with the cache off). */
  outcomes: Record<string, number>;
  /** The gateway's RSS just before the burst (started, model list fetched, idle). */
  rssBeforeMb: number;
  /** VmHWM (peak RSS of the process so far) read right after the burst. */
  peakRssMb: number;
  /** VmRSS right after the burst. */
  rssAfterMb: number;
  healthz: HealthzFigures;
  /** How long the gateway took to stop after the burst (SIGTERM to exit; the cache flushes its queue first). */
  shutdownMs: number;
}

export interface MemoryBurstResult {
  settings: MemoryBurstOptions;
  /** 1-minute load average when the scenario started: other work on the box moves every figure here. */
  loadavg1m: number;
  uncached: BurstFigures;
  cached: BurstFigures;
  /**
   * The same burst through the reference relays (processes/relay-floor.ts), for what /healthz
   * can be on this box: every read passed on in JS and nothing else done, and Bun's native pipe.
   */
  references: { jsRelay: BurstFigures; nativePipe: BurstFigures };
  /** cached peak RSS ÷ uncached peak RSS (target < 2). */
  peakRatio: number;
  /** The same for what each burst added over its gateway's idle RSS. */
  growthRatio: number;
  /** x-wayfront-cache of the first prompt asked again after the cached burst (HIT: it was recorded). */
  repeatOutcome: string;
  /** Peak ratio under 2× and every /healthz within 100 ms, without failures. */
  targetsMet: boolean;
}

const mb = (kb: number) => kb / 1024;

function procStatusKb(pid: number, field: "VmHWM" | "VmRSS"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(status);
  if (!m) throw new Error(`memory-burst bench: no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** The /healthz poller, started and polling; stop() ends it and returns what it measured. */
async function startPoller(baseUrl: string, intervalMs: number): Promise<{ stop(): Promise<PollResult> }> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "..", "processes", "healthz-poller.ts"), baseUrl, String(intervalMs)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.split("\n").includes(POLLING_LINE)) {
    const { value, done } = await reader.read();
    if (done) throw new Error("memory-burst bench: the /healthz poller exited before it polled");
    text += decoder.decode(value, { stream: true });
  }
  return {
    async stop() {
      proc.stdin.end();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      await proc.exited;
      const last = text.trim().split("\n").pop()!;
      return JSON.parse(last) as PollResult;
    },
  };
}

const endsWithDone = (tail: Uint8Array) => new TextDecoder().decode(tail).includes("data: [DONE]");

/** One streamed request, read to its end without keeping it: the client holds nothing. */
async function stream(url: string, prompt: string): Promise<{ ok: boolean; bytes: number; outcome: string }> {
  let outcome = "error";
  let bytes = 0;
  let tail = new Uint8Array(0);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: BIG_MODEL, stream: true, temperature: 0, messages: [{ role: "user", content: prompt }] }),
    });
    outcome = res.headers.get("x-wayfront-cache") ?? "none";
    for await (const chunk of res.body!) {
      bytes += chunk.length;
      // The last 32 bytes seen, for the [DONE] check.
      tail = chunk.length >= 32 ? chunk.slice(-32) : Buffer.concat([tail, chunk]).subarray(-32);
    }
    return { ok: res.status === 200 && endsWithDone(tail), bytes, outcome };
  } catch {
    return { ok: false, bytes, outcome };
  }
}

async function burst(gw: ServerProcess, cache: BurstFigures["cache"], o: MemoryBurstOptions): Promise<BurstFigures> {
  const url = `${gw.url}/v1/chat/completions`;
  const rssBefore = procStatusKb(gw.pid, "VmRSS");
  const poller = await startPoller(gw.url, o.healthzIntervalMs);
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: o.streams }, (_, i) => stream(url, `memory burst, cache ${cache}, prompt ${i}`)));
  const wallMs = performance.now() - start;
  const polled = await poller.stop();
  const peak = procStatusKb(gw.pid, "VmHWM");
  const rssAfter = procStatusKb(gw.pid, "VmRSS");
  const outcomes: Record<string, number> = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const minAnswer = o.chunks * o.pieceBytes;
  const h = summarize(polled.latenciesMs);
  return {
    cache,
    wallMs,
    failed: results.filter((r) => !r.ok || r.bytes < minAnswer).length,
    minBytes: Math.min(...results.map((r) => r.bytes)),
    outcomes,
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(peak),
    rssAfterMb: mb(rssAfter),
    healthz: { n: h.n, failures: polled.failures, p50Ms: h.p50, p99Ms: h.p99, maxMs: Math.max(...polled.latenciesMs) },
    shutdownMs: 0,
  };
}

/** Stops a gateway and says how long that took (a cached one writes what is still queued first). */
async function timedStop(p: ServerProcess, procs: ServerProcess[]): Promise<number> {
  const start = performance.now();
  procs.splice(procs.indexOf(p), 1);
  await p.stop();
  return performance.now() - start;
}

export async function runMemoryBurst(o: MemoryBurstOptions = MEMORY_BURST_DEFAULTS): Promise<MemoryBurstResult> {
  const load = loadavg()[0];
  const procs: ServerProcess[] = [];
  try {
    const upstream = await spawnServer("big-stream-upstream", [String(o.chunks), String(o.pieceBytes)]);
    procs.push(upstream);
    // One gateway at a time, each a fresh process, so each peak is its own burst's.
    const plain = await spawnServer("gateway", [upstream.url]);
    procs.push(plain);
    const uncached = await burst(plain, "off", o);
    uncached.shutdownMs = await timedStop(plain, procs);

    const caching = await spawnServer("cache-gateway", [upstream.url]);
    procs.push(caching);
    const cached = await burst(caching, "always", o);
    // After the peak was read: the answers were recorded (the first prompt is a HIT now).
    const again = await stream(`${caching.url}/v1/chat/completions`, "memory burst, cache always, prompt 0");
    cached.shutdownMs = await timedStop(caching, procs);

    const reference = async (mode: "js" | "native", name: BurstFigures["cache"]) => {
      const relay = await spawnServer("relay-floor", [upstream.url, mode]);
      procs.push(relay);
      const figures = await burst(relay, name, o);
      figures.shutdownMs = await timedStop(relay, procs);
      return figures;
    };
    const references = { jsRelay: await reference("js", "js relay"), nativePipe: await reference("native", "native pipe") };

    const peakRatio = cached.peakRssMb / uncached.peakRssMb;
    const growthRatio = (cached.peakRssMb - cached.rssBeforeMb) / (uncached.peakRssMb - uncached.rssBeforeMb);
    const healthy = (b: BurstFigures) => b.healthz.failures === 0 && b.healthz.maxMs <= MEMORY_BURST_TARGETS.healthzMaxMs;
    return {
      settings: o,
      loadavg1m: load,
      uncached,
      cached,
      references,
      peakRatio,
      growthRatio,
      repeatOutcome: again.outcome,
      targetsMet: peakRatio < MEMORY_BURST_TARGETS.peakRatio && healthy(uncached) && healthy(cached) && uncached.failed + cached.failed === 0,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

export function formatMemoryBurst(r: MemoryBurstResult): string {
  const s = r.settings;
  const answerMiB = (s.chunks * s.pieceBytes) / (1024 * 1024);
  const f = (v: number, d = 0) => v.toFixed(d);
  const row = (name: string, b: BurstFigures) => [
    name,
    `${f(b.rssBeforeMb)} MiB`,
    `${f(b.peakRssMb)} MiB`,
    `${f(b.healthz.p99Ms, 1)} ms`,
    `${f(b.healthz.maxMs, 1)} ms`,
    String(b.healthz.n),
    `${f(b.wallMs / 1000, 2)} s`,
    String(b.failed + b.healthz.failures),
    `${f(b.shutdownMs / 1000, 1)} s`,
  ];
  const t = MEMORY_BURST_TARGETS;
  const healthzMax = Math.max(r.uncached.healthz.maxMs, r.cached.healthz.maxMs);
  const outcomes = (b: BurstFigures) =>
    Object.entries(b.outcomes)
      .map(([k, n]) => `${k} ×${n}`)
      .join(", ");
  return [
    `memory burst: ${s.streams} concurrent streams of ${f(answerMiB, 1)} MiB (${s.chunks} chunks), distinct prompts at temperature 0; /healthz every ${s.healthzIntervalMs} ms; load avg ${r.loadavg1m.toFixed(2)}`,
    table(
      ["gateway", "idle RSS", "peak RSS", "healthz p99", "healthz max", "polls", "wall", "errors", "stop"],
      [
        row("cache off", r.uncached),
        row("cache always", r.cached),
        row("ref: JS relay", r.references.jsRelay),
        row("ref: native pipe", r.references.nativePipe),
      ],
    ),
    `peak RSS cached ÷ uncached: ${r.peakRatio.toFixed(2)}× (target < ${t.peakRatio}×; growth over idle ${r.growthRatio.toFixed(2)}×); ` +
      `/healthz max ${f(healthzMax, 1)} ms (target ≤ ${t.healthzMaxMs} ms); repeat of a prompt: ${r.repeatOutcome}; ` +
      `targets ${r.targetsMet ? "met" : "NOT met"}`,
    `x-wayfront-cache: cache off ${outcomes(r.uncached)}; cache always ${outcomes(r.cached)}`,
  ].join("\n");
}

if (import.meta.main) {
  console.log(formatMemoryBurst(await runMemoryBurst()));
}
