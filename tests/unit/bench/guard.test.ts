import { describe, expect, test } from "bun:test";
import { checkFloors, type GuardMeasurements } from "../../../bench/guard.ts";

const healthy: GuardMeasurements = {
  passthrough: { gatewayRps: 7000, floorRps: 10000, gatewayErrors: 0 },
  cacheHit: { gatewayRps: 5000, bareRps: 10000, errors: 0 },
  streams: { reads: [20, 21, 20], gatewayMs: [220, 230, 225], directMs: 218, chunks: 20 },
  openStreams: { rssMb: 95, started: 1000, streams: 1000 },
};

describe("checkFloors", () => {
  test("passes within the floors", () => {
    expect(checkFloors(healthy)).toEqual([]);
  });

  test("each broken floor says why", () => {
    const broken: GuardMeasurements = {
      passthrough: { gatewayRps: 2500, floorRps: 10000, gatewayErrors: 3 },
      cacheHit: { gatewayRps: 1500, bareRps: 10000, errors: 0 },
      streams: { reads: [20, 4, 20], gatewayMs: [220, 900, 225], directMs: 218, chunks: 20 },
      openStreams: { rssMb: 250, started: 1000, streams: 1000 },
    };
    const f = checkFloors(broken);
    expect(f).toHaveLength(6);
    expect(f[0]).toContain("0.25× the floor proxy");
    expect(f[1]).toContain("3 errors");
    expect(f[2]).toContain("0.15× bare");
    expect(f[3]).toContain("in 4 reads: chunks were batched");
    expect(f[4]).toContain("chunks were delayed");
    expect(f[5]).toContain("250 MiB");
  });

  test("NaN figures (nothing served) fail rather than slip past the comparisons", () => {
    const f = checkFloors({
      ...healthy,
      passthrough: { gatewayRps: Number.NaN, floorRps: 1, gatewayErrors: 0 },
      openStreams: { rssMb: Number.NaN, started: 0, streams: 1000 },
    });
    expect(f).toHaveLength(2);
  });
});
