// `npm run bench:guard` (run by .ci/run): short runs that fail when the hot path breaks, each
// against a reference measured in the same run. The floors are generous because CI machines
// are noisy: this catches a relay that buffers, batches, sleeps or leaks, not a 10 % regression.
import { countChunkReads } from "./chunk-reads.ts";
import { ensureClientCap } from "./client-cap.ts";
import { gatewayToml } from "./gateway-config.ts";
import { startSourceGateway } from "./gateways.ts";
import { PACED_MODEL } from "./reference-upstream.ts";
import { runCacheHit } from "./scenarios/cache-hit.ts";
import { runOpenStreams } from "./scenarios/open-streams.ts";
import { runPassthrough } from "./scenarios/passthrough.ts";
import { chatBody, startTargets } from "./targets.ts";

/**
 * The floors CI holds. Issue 13 suggests 0.6× for passthrough and 0.4× for cache hits; today's
 * gateway measures 0.40–0.61× and 0.45–0.68× in these short runs on the 2-core dev machine
 * (bench/results/latest.md has the full run), so the first would fail on an ordinary day. The
 * floors are set at 60–75 % of today's lowest figures instead: a change that halves the hot
 * path's throughput fails CI, ordinary noise does not. Raise them as the gateway gets faster;
 * the figures stay the targets `npm run bench` reports as met or missed.
 */
export const FLOORS = {
  passthroughVsFloor: 0.3,
  cacheHitVsBare: 0.3,
  /** A paced stream may end at most this much later through the gateway than direct. */
  streamLateMs: 100,
  openStreamsRssMb: 200,
};

export const STREAM = { chunks: 20, chunkDelayMs: 10, samples: 5 };
const OPEN_STREAMS = { streams: 1000, settleMs: 3_000, probeLimitMs: 1_000, probes: 1 };

export interface GuardMeasurements {
  passthrough: { gatewayRps: number; floorRps: number; gatewayErrors: number };
  cacheHit: { gatewayRps: number; bareRps: number; errors: number };
  /** Per stream through the gateway: content reads and time to the last byte; directMs: the slowest direct. */
  streams: { reads: number[]; gatewayMs: number[]; directMs: number; chunks: number; firstTry?: number[] };
  openStreams: { rssMb: number; started: number; streams: number };
}

/** One sentence per broken floor; empty when all hold. A NaN figure fails too, hence the negated comparisons. */
export function checkFloors(m: GuardMeasurements, f = FLOORS): string[] {
  const out: string[] = [];
  const p = m.passthrough.gatewayRps / m.passthrough.floorRps;
  if (!(p >= f.passthroughVsFloor)) out.push(`passthrough is ${p.toFixed(2)}× the floor proxy's req/s, below ${f.passthroughVsFloor}×`);
  if (m.passthrough.gatewayErrors > 0) out.push(`the gateway answered ${m.passthrough.gatewayErrors} errors or non-2xx under load`);
  const c = m.cacheHit.gatewayRps / m.cacheHit.bareRps;
  if (!(c >= f.cacheHitVsBare)) out.push(`cache hits run at ${c.toFixed(2)}× bare Bun's req/s, below ${f.cacheHitVsBare}×`);
  if (m.cacheHit.errors > 0) out.push(`the gateway answered ${m.cacheHit.errors} errors or non-2xx to cache hits`);
  out.push(...streamFailures(m.streams, f));
  const o = m.openStreams;
  if (!(o.rssMb < f.openStreamsRssMb))
    out.push(`with ${o.streams} streams open the gateway's RSS is ${o.rssMb.toFixed(0)} MiB, not under ${f.openStreamsRssMb} MiB`);
  return out;
}

/** The paced streams' broken floors: chunks batched (fewer reads than chunks) or delayed. */
export function streamFailures(s: GuardMeasurements["streams"], f = FLOORS): string[] {
  const out: string[] = [];
  const fewest = Math.min(...s.reads);
  if (!(fewest >= s.chunks)) out.push(`a stream of ${s.chunks} paced chunks reached the client in ${fewest} reads: chunks were batched`);
  const slowest = Math.max(...s.gatewayMs);
  if (!(slowest <= s.directMs + f.streamLateMs)) {
    out.push(
      `a paced stream ended ${(slowest - s.directMs).toFixed(0)} ms after the slowest direct one, over ${f.streamLateMs} ms: chunks were delayed`,
    );
  }
  return out;
}

async function measureStreams(direct: string, gateway: string): Promise<GuardMeasurements["streams"]> {
  const body = chatBody(PACED_MODEL, true);
  const reads: number[] = [];
  const gatewayMs: number[] = [];
  let directMs = 0;
  await countChunkReads(`${gateway}/v1/chat/completions`, body); // unrecorded warm-up
  for (let i = 0; i < STREAM.samples; i++) {
    directMs = Math.max(directMs, (await countChunkReads(`${direct}/v1/chat/completions`, body)).totalMs);
    const g = await countChunkReads(`${gateway}/v1/chat/completions`, body);
    reads.push(g.reads);
    gatewayMs.push(g.totalMs);
  }
  return { reads, gatewayMs, directMs, chunks: STREAM.chunks };
}

export async function measureGuard(): Promise<GuardMeasurements> {
  const t = await startTargets({ chunks: STREAM.chunks, chunkDelayMs: STREAM.chunkDelayMs });
  try {
    const targets = [
      { name: "floor", url: t.urls.floor, pid: null },
      { name: "gateway", url: t.urls.gateway, pid: null },
    ];
    const pt = (await runPassthrough(targets, { connections: [32], durationSec: 2, warmupSec: 0.5 }))["32"];
    let streams = await measureStreams(t.urls.direct, t.urls.gateway);
    // A host that holds a process back for a few ms (CPU steal on a shared VM) can merge two
    // paced chunks into one read, through the gateway or not; a gateway that batches does it
    // in every stream, every time. So a failed stream check is measured once more, and the
    // second measurement decides (both are printed).
    if (streamFailures(streams).length) streams = { ...(await measureStreams(t.urls.direct, t.urls.gateway)), firstTry: streams.reads };
    const gw = await startSourceGateway(gatewayToml({ upstreamUrl: t.urls.direct }));
    const open = await runOpenStreams(gw, OPEN_STREAMS).finally(() => gw.stop());
    await t.stop();
    const ch = await runCacheHit({ connections: 32, durationSec: 2, warmupSec: 0.5 });
    return {
      passthrough: { gatewayRps: pt.gateway.rps, floorRps: pt.floor.rps, gatewayErrors: pt.gateway.errors + pt.gateway.non2xx },
      cacheHit: { gatewayRps: ch.gateway.rps, bareRps: ch.bare.rps, errors: ch.gateway.errors + ch.gateway.non2xx },
      streams,
      openStreams: { rssMb: open.rssOpenMb, started: open.started, streams: open.settings.streams },
    };
  } finally {
    await t.stop();
  }
}

if (import.meta.main) {
  await ensureClientCap();
  const start = performance.now();
  const m = await measureGuard();
  const failures = checkFloors(m);
  const p = m.passthrough;
  const o = m.openStreams;
  console.log(
    [
      `passthrough ${(p.gatewayRps / p.floorRps).toFixed(2)}× floor (${p.gatewayRps.toFixed(0)} vs ${p.floorRps.toFixed(0)} req/s; floor ${FLOORS.passthroughVsFloor}×)`,
      `cache hit ${(m.cacheHit.gatewayRps / m.cacheHit.bareRps).toFixed(2)}× bare (floor ${FLOORS.cacheHitVsBare}×)`,
      `paced streams: reads ${m.streams.reads.join(",")} of ${m.streams.chunks} chunks; last byte ${Math.max(...m.streams.gatewayMs).toFixed(0)} ms vs direct ${m.streams.directMs.toFixed(0)} ms` +
        (m.streams.firstTry ? ` (measured again: the first try read ${m.streams.firstTry.join(",")})` : ""),
      `${o.streams} open streams: RSS ${o.rssMb.toFixed(0)} MiB (under ${FLOORS.openStreamsRssMb}), ${o.started} started`,
    ].join("\n"),
  );
  for (const f of failures) console.error(`FAIL: ${f}`);
  console.log(`bench guard: ${failures.length ? "FAILED" : "ok"} in ${((performance.now() - start) / 1000).toFixed(0)} s`);
  process.exit(failures.length ? 1 : 0);
}
