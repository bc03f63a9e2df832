import { describe, expect, test } from "bun:test";
import { evaluate } from "../../../bench/evaluate.ts";
import { issueFigures, type Measurements } from "../../../bench/figures.ts";
import type { LoadResult } from "../../../bench/load.ts";
import type { Summary } from "../../../bench/percentile.ts";

const load = (rps: number, cpuUsPerRequest: number | null): LoadResult & { cpuUsPerRequest: number | null } => ({
  rps,
  p50Ms: 1,
  p99Ms: 3,
  requests: rps * 4,
  errors: 0,
  non2xx: 0,
  cpuUsPerRequest,
});
const summary = (p50: number, p99: number): Summary => ({ n: 500, p50, p99, mean: p50 });

const base: Measurements = {
  passthrough: { "32": { direct: load(50000, null), floor: load(10000, 60), gateway: load(9500, 70) } },
  firstToken: { floor: summary(21, 23), gateway: summary(21.05, 23.5) },
  cacheHit: null,
  largeBodies: { [256 * 1024]: { floor: summary(2, 3), gateway: summary(2.5, 4) } },
  translation: null,
  openStreams: {
    settings: { streams: 1000, settleMs: 5000, probeLimitMs: 3000, probes: 3 },
    rssIdleMb: 60,
    rssOpenMb: 90,
    started: 256,
    opened: 1000,
    firstByteIdleMs: 3,
    firstByteOpenMs: 3000,
    probesTimedOut: 3,
  },
  idleConnections: null,
  coldStart: null,
  overload: null,
  memoryBurst: null,
  binaryMissing: "npm run build failed: error: Could not resolve",
};

const byName = (m: Measurements) => new Map(issueFigures(m).map((f) => [f.name, evaluate(f)]));

describe("issueFigures", () => {
  test("each target row from the run's measurements, against the floor", () => {
    const rows = byName(base);
    expect(rows.get("passthrough req/s vs floor, 32 conns")?.verdict).toBe("met"); // 0.95×
    expect(rows.get("CPU per request vs floor, 32 conns")?.value).toBeCloseTo(70 / 60);
    expect(rows.get("first token added p50, 500 streams")?.value).toBeCloseTo(0.05);
    expect(rows.get("256 KiB body, cache on, added p50")?.verdict).toBe("met");
  });

  test("open streams that never started make the RSS row missed, and say so", () => {
    const rss = byName(base).get("1000 open streams: RSS (ref: idle)");
    expect(rss?.verdict).toBe("missed");
    expect(rss?.figure.note).toBe("256 of 1000 streams started");
    expect(byName(base).get("1000 open streams: new stream's first byte (ref: idle)")?.figure.note).toContain("3 of 3 waited");
  });

  test("a missing binary shows as not measured, with the reason", () => {
    const cold = byName(base).get("binary cold start to first request (ref: floor)");
    expect(cold?.verdict).toBe("not measured");
    expect(cold?.figure.note).toContain("npm run build failed");
    expect([...byName(base).keys()].some((n) => n.includes("(binary)"))).toBe(false);
  });

  test("with the binary measured, its rows sit beside the source gateway's", () => {
    const m = {
      ...base,
      passthrough: { "32": { ...base.passthrough["32"], binary: load(9000, 80) } },
      firstToken: { ...base.firstToken, binary: summary(21.2, 24) },
    };
    const names = [...byName(m).keys()];
    expect(names).toContain("passthrough req/s vs floor, 32 conns (binary)");
    expect(names).toContain("first token added p99, 500 streams (binary)");
  });

  test("a load run that got errors is missed whatever its ratio, and says which side and how many", () => {
    const m: Measurements = {
      ...base,
      // Faster than the floor because every answer was a quick 401: not a passthrough figure.
      passthrough: { "32": { ...base.passthrough["32"], gateway: { ...load(15000, 40), non2xx: 60000 } } },
      cacheHit: { gateway: { ...load(30000, null), errors: 3 }, bare: load(40000, null), rpsRatio: 0.75, p50Ratio: 1.2 },
    };
    const rows = byName(m);
    const pass = rows.get("passthrough req/s vs floor, 32 conns");
    expect(pass?.value).toBeCloseTo(1.5);
    expect(pass?.verdict).toBe("missed");
    expect(pass?.figure.note).toBe("gateway: 60000 errors or non-2xx");
    expect(rows.get("CPU per request vs floor, 32 conns")?.verdict).toBe("missed");
    expect(rows.get("cache hit req/s vs bare Bun, same bytes")?.figure.note).toBe("gateway: 3 errors or non-2xx");
    // Clean runs carry no note.
    expect(byName(base).get("passthrough req/s vs floor, 32 conns")?.figure.note).toBeUndefined();
  });
});
