// The quick check: a ~10 s version of the bench that fails when the gateway falls far behind
// the reference measured in the same run. Floors are generous because CI machines are noisy;
// this catches a relay that buffers, sleeps or serialises, not a 10 % regression.
import { computeRatios, type Ratios } from "./ratios.ts";
import { runFirstByte } from "./scenarios/stream-first-byte.ts";
import { runNonStreaming } from "./scenarios/non-streaming.ts";
import { startTargets } from "./targets.ts";

export interface GuardFloors {
  /** Fail when gateway req/s < this × direct req/s. */
  minRpsRatio: number;
  /** Fail when the gateway adds more than this to p50 time-to-first-data. */
  maxTtfbAddedP50Ms: number;
}

export const DEFAULT_FLOORS: GuardFloors = { minRpsRatio: 0.15, maxTtfbAddedP50Ms: 50 };

export interface GuardResult {
  ok: boolean;
  ratios: Ratios;
  /** One sentence per floor broken; empty when ok. */
  failures: string[];
}

export function checkFloors(ratios: Ratios, floors: GuardFloors = DEFAULT_FLOORS): string[] {
  const failures: string[] = [];
  // A NaN ratio (no requests served) must fail too, hence the negated comparisons.
  if (!(ratios.rpsGatewayOverDirect >= floors.minRpsRatio)) {
    failures.push(`gateway throughput is ${ratios.rpsGatewayOverDirect.toFixed(3)}× direct, below the floor of ${floors.minRpsRatio}×`);
  }
  if (!(ratios.ttfbAddedP50Ms <= floors.maxTtfbAddedP50Ms)) {
    failures.push(`gateway adds ${ratios.ttfbAddedP50Ms.toFixed(2)} ms to p50 time-to-first-data, above the limit of ${floors.maxTtfbAddedP50Ms} ms`);
  }
  return failures;
}

export async function runGuard(floors: GuardFloors = DEFAULT_FLOORS): Promise<GuardResult> {
  const targets = await startTargets({ chunks: 20, chunkDelayMs: 0 });
  try {
    const nonStreaming = await runNonStreaming(targets.urls, { connections: 10, durationSec: 1, warmupSec: 0.5 });
    const firstByte = await runFirstByte(targets.urls, { samples: 50, warmup: 5 });
    const ratios = computeRatios({ nonStreaming, firstByte, streamTotal: null });
    const failures = checkFloors(ratios, floors);
    // Errors under load are a failure whatever the ratios say.
    if (nonStreaming.gateway.errors + nonStreaming.gateway.non2xx > 0) {
      failures.push(`gateway answered ${nonStreaming.gateway.errors} errors and ${nonStreaming.gateway.non2xx} non-2xx under load`);
    }
    return { ok: failures.length === 0, ratios, failures };
  } finally {
    await targets.stop();
  }
}

if (import.meta.main) {
  const r = await runGuard();
  console.log(JSON.stringify(r.ratios, null, 2));
  for (const f of r.failures) console.error(`FAIL: ${f}`);
  console.log(r.ok ? "bench guard: ok" : "bench guard: FAILED");
  process.exit(r.ok ? 0 : 1);
}
