import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuModelFrom, dateStamp, describeMachine, writeResults } from "../../../bench/report.ts";

const dir = mkdtempSync(join(tmpdir(), "wayfront-bench-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("report", () => {
  test("dateStamp is the local YYYY-MM-DD", () => {
    expect(dateStamp(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  });

  test("the CPU model is the first 'model name' of /proc/cpuinfo", () => {
    const cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
    expect(cpuModelFrom(cpuinfo)).toBe("AMD EPYC 7B13");
    expect(cpuModelFrom("processor : 0\n")).toBeNull();
  });

  test("the machine names its cores and Bun", () => {
    const m = describeMachine();
    expect(m.cpus).toBeGreaterThan(0);
    expect(m.bun).toBe(Bun.version);
  });

  test("writeResults writes <date>.json that reads back equal", () => {
    const r = { date: "2026-01-02", machine: describeMachine(), figures: [{ name: "x", value: 1 }] };
    const path = writeResults(r, join(dir, "results"));
    expect(path.endsWith("2026-01-02.json")).toBe(true);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(JSON.parse(JSON.stringify(r)));
  });
});
