// Every figure as a ratio or difference against the reference measured in the same run,
// since absolute numbers say more about the machine than about Wayfront.
import type { LoadResult } from "./load.ts";
import type { Summary } from "./percentile.ts";
import type { PerTarget } from "./targets.ts";

export interface Ratios {
  /** gateway req/s ÷ direct req/s (1 = free; the floor proxy shows what a hop costs anyway). */
  rpsGatewayOverDirect: number;
  rpsGatewayOverFloor: number;
  rpsFloorOverDirect: number;
  latencyP50GatewayOverDirect: number;
  /** Milliseconds the gateway adds to time-to-first-data, at p50 and p99. */
  ttfbAddedP50Ms: number;
  ttfbAddedP99Ms: number;
  ttfbAddedOverFloorP50Ms: number;
  /** Milliseconds the gateway adds to a whole paced stream at p50; null when not measured. */
  streamTotalAddedP50Ms: number | null;
}

export interface Measured {
  nonStreaming: PerTarget<LoadResult>;
  firstByte: PerTarget<Summary>;
  streamTotal: PerTarget<Summary> | null;
}

export function computeRatios(m: Measured): Ratios {
  const ns = m.nonStreaming;
  const fb = m.firstByte;
  return {
    rpsGatewayOverDirect: ns.gateway.rps / ns.direct.rps,
    rpsGatewayOverFloor: ns.gateway.rps / ns.floor.rps,
    rpsFloorOverDirect: ns.floor.rps / ns.direct.rps,
    latencyP50GatewayOverDirect: ns.gateway.p50Ms / ns.direct.p50Ms,
    ttfbAddedP50Ms: fb.gateway.p50 - fb.direct.p50,
    ttfbAddedP99Ms: fb.gateway.p99 - fb.direct.p99,
    ttfbAddedOverFloorP50Ms: fb.gateway.p50 - fb.floor.p50,
    streamTotalAddedP50Ms: m.streamTotal ? m.streamTotal.gateway.p50 - m.streamTotal.direct.p50 : null,
  };
}
