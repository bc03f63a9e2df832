// The machine a run was on, the run's date, and its JSON record on disk.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform } from "node:os";
import { join } from "node:path";

export interface Machine {
  /** Online CPUs, as `nproc` says. */
  cpus: number;
  /** "model name" of /proc/cpuinfo. */
  cpuModel: string;
  platform: string;
  bun: string;
  /** 1-minute load average when the run started: other work on the box skews every figure. */
  loadavg1m: number;
}

export function cpuModelFrom(cpuinfo: string): string | null {
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? null;
}

export function describeMachine(): Machine {
  let model: string | null = null;
  try {
    model = cpuModelFrom(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    // Not Linux: os.cpus() below says what it can.
  }
  const c = cpus();
  return {
    cpus: navigator.hardwareConcurrency || c.length,
    cpuModel: model ?? c[0]?.model ?? "unknown",
    platform: platform(),
    bun: Bun.version,
    loadavg1m: loadavg()[0],
  };
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Local calendar date, YYYY-MM-DD (what `date +%F` prints). */
export function dateStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function writeResults(r: { date: string } & Record<string, unknown>, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${r.date}.json`);
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
  return path;
}
