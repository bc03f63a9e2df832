import { describe, expect, test } from "bun:test";
import { computeRatios, type Measured } from "../../../bench/ratios.ts";
import { checkFloors, DEFAULT_FLOORS } from "../../../bench/guard.ts";
import type { LoadResult } from "../../../bench/load.ts";
import type { Summary } from "../../../bench/percentile.ts";

const load = (rps: number, p50Ms: number): LoadResult => ({ rps, p50Ms, p99Ms: p50Ms * 4, requests: rps * 5, errors: 0, non2xx: 0 });
const summary = (p50: number, p99: number): Summary => ({ n: 10, p50, p99, mean: p50 });

function measured(gatewayRps: number, gatewayTtfb: number): Measured {
  return {
    nonStreaming: { direct: load(10_000, 1), floor: load(5_000, 2), gateway: load(gatewayRps, 4) },
    firstByte: { direct: summary(0.5, 2), floor: summary(0.7, 3), gateway: summary(gatewayTtfb, 5) },
    streamTotal: { direct: summary(100, 110), floor: summary(101, 111), gateway: summary(103, 112) },
  };
}

describe("computeRatios", () => {
  test("ratios and differences against the same run's references", () => {
    const r = computeRatios(measured(4_000, 1.5));
    expect(r.rpsGatewayOverDirect).toBeCloseTo(0.4);
    expect(r.rpsGatewayOverFloor).toBeCloseTo(0.8);
    expect(r.rpsFloorOverDirect).toBeCloseTo(0.5);
    expect(r.latencyP50GatewayOverDirect).toBeCloseTo(4);
    expect(r.ttfbAddedP50Ms).toBeCloseTo(1);
    expect(r.ttfbAddedP99Ms).toBeCloseTo(3);
    expect(r.ttfbAddedOverFloorP50Ms).toBeCloseTo(0.8);
    expect(r.streamTotalAddedP50Ms).toBeCloseTo(3);
  });

  test("stream total is null when it was not measured", () => {
    expect(computeRatios({ ...measured(4_000, 1), streamTotal: null }).streamTotalAddedP50Ms).toBeNull();
  });
});

describe("checkFloors", () => {
  test("passes within the floors", () => {
    expect(checkFloors(computeRatios(measured(4_000, 1.5)))).toEqual([]);
  });

  test("fails on low throughput", () => {
    const f = checkFloors(computeRatios(measured(1_000, 1.5)), DEFAULT_FLOORS);
    expect(f).toHaveLength(1);
    expect(f[0]).toContain("throughput");
  });

  test("fails on large added first-byte time", () => {
    const f = checkFloors(computeRatios(measured(4_000, 80)));
    expect(f).toHaveLength(1);
    expect(f[0]).toContain("first-data");
  });

  test("a NaN measurement fails rather than slipping past the comparisons", () => {
    const r = computeRatios(measured(4_000, 1.5));
    expect(checkFloors({ ...r, rpsGatewayOverDirect: NaN, ttfbAddedP50Ms: NaN })).toHaveLength(2);
  });
});
