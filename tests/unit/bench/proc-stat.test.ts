import { describe, expect, test } from "bun:test";
import { cpuSeconds, memoryMb, openFilesLimit, parseProcStat, parseStatusMb } from "../../../bench/proc-stat.ts";
import { scaledCount } from "../../../bench/scenarios/idle-connections.ts";

// A real line's shape (proc(5)): pid, (comm), state, then numbers; utime and stime are fields 14 and 15.
const line = (comm: string) => `4242 (${comm}) S 1 4242 4242 0 -1 4194560 1234 0 0 0 731 219 0 0 20 0 5 0 123456 987654321 12345`;

describe("parseProcStat", () => {
  test("reads utime and stime (fields 14 and 15)", () => {
    expect(parseProcStat(line("bun"))).toEqual({ utime: 731, stime: 219 });
  });

  test("a command name with spaces and parentheses does not shift the fields", () => {
    expect(parseProcStat(line("my (odd) name"))).toEqual({ utime: 731, stime: 219 });
  });

  test("garbage is an error, not zero CPU", () => {
    expect(() => parseProcStat("nonsense")).toThrow();
    expect(() => parseProcStat("1 (x) S 1 2")).toThrow();
  });

  test("this process has used some CPU", () => {
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
  });
});

describe("/proc/<pid>/status", () => {
  const status = "Name:\tbun\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t5\n";

  test("VmRSS and VmHWM in MiB", () => {
    expect(parseStatusMb(status, "VmRSS")).toBe(100);
    expect(parseStatusMb(status, "VmHWM")).toBe(200);
    expect(() => parseStatusMb("Name:\tbun\n", "VmRSS")).toThrow("VmRSS");
    expect(memoryMb(process.pid)).toBeGreaterThan(1);
  });

  test("the open-files limit, and how the idle-connections count scales to it", () => {
    const limits =
      "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n";
    expect(openFilesLimit(limits)).toBe(1024);
    expect(openFilesLimit("Max open files            unlimited            unlimited            files\n")).toBe(Number.POSITIVE_INFINITY);
    expect(scaledCount(10_000, 20_000)).toEqual({ count: 10_000 });
    expect(scaledCount(10_000, 1024)).toEqual({ count: 512, note: "scaled to 512: ulimit -n is 1024" });
  });
});
