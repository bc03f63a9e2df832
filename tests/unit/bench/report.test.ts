import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeRatios, type Measured } from "../../../bench/ratios.ts";
import { dateStamp, describeMachine, formatReport, writeResults, type BenchResults } from "../../../bench/report.ts";

const measured: Measured = {
  nonStreaming: {
    direct: { rps: 20000, p50Ms: 0.5, p99Ms: 3, requests: 100000, errors: 0, non2xx: 0 },
    floor: { rps: 10000, p50Ms: 1, p99Ms: 4, requests: 50000, errors: 0, non2xx: 0 },
    gateway: { rps: 8000, p50Ms: 2, p99Ms: 6, requests: 40000, errors: 1, non2xx: 2 },
  },
  firstByte: {
    direct: { n: 200, p50: 0.1, p99: 0.5, mean: 0.12 },
    floor: { n: 200, p50: 0.2, p99: 0.9, mean: 0.22 },
    gateway: { n: 200, p50: 0.35, p99: 1.5, mean: 0.4 },
  },
  streamTotal: null,
};
const results: BenchResults = {
  date: "2026-01-02",
  machine: describeMachine(),
  settings: { connections: 20 },
  ...measured,
  ratios: computeRatios(measured),
};

const dir = mkdtempSync(join(tmpdir(), "wayfront-bench-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("report", () => {
  test("table shows every target and the ratios of this run", () => {
    const text = formatReport(results);
    for (const row of ["direct   20000", "floor    10000", "gateway   8000"]) expect(text).toContain(row);
    expect(text).toContain("0.40×"); // 8000 / 20000
    expect(text).toContain("+0.25 ms"); // 0.35 − 0.10
    expect(text).toContain("not measured");
    expect(text).toMatch(/gateway\s+8000\s+2\.00 ms\s+6\.00 ms\s+40000\s+3/); // errors + non-2xx
  });

  test("dateStamp is the local YYYY-MM-DD", () => {
    expect(dateStamp(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  });

  test("writeResults writes <date>.json that reads back equal", () => {
    const path = writeResults(results, join(dir, "results"));
    expect(path.endsWith("2026-01-02.json")).toBe(true);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(JSON.parse(JSON.stringify(results)));
  });
});
