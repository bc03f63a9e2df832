// What a server process costs, read from /proc (Linux only): CPU time from /proc/<pid>/stat
// and resident memory from /proc/<pid>/status.
import { readFileSync } from "node:fs";

/** USER_HZ: /proc reports CPU time in these ticks; 100 on every Linux ABI Bun runs on (`getconf CLK_TCK`). */
export const TICKS_PER_SECOND = 100;

export interface CpuTicks {
  utime: number;
  stime: number;
}

/**
 * Fields 14 and 15 of /proc/<pid>/stat (proc(5)). The second field, the command name, is in
 * parentheses and may itself hold spaces or ")", so fields are counted from the last ")".
 */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("not a /proc/<pid>/stat line: no ')'");
  // After ")": field 3 (state) is index 0, so field N is index N − 3.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error("not a /proc/<pid>/stat line: no utime/stime");
  return { utime, stime };
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const t = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return (t.utime + t.stime) / TICKS_PER_SECOND;
}

/** A kB field of /proc/<pid>/status (VmRSS now, VmHWM the peak so far), in MiB. */
export function parseStatusMb(text: string, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!m) throw new Error(`no ${field} in /proc/<pid>/status`);
  return Number(m[1]) / 1024;
}

export function memoryMb(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  return parseStatusMb(readFileSync(`/proc/${pid}/status`, "utf8"), field);
}

/** The soft "Max open files" limit of this process (children inherit it). */
export function openFilesLimit(limitsText = readFileSync("/proc/self/limits", "utf8")): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limitsText);
  if (!m) return NaN;
  return m[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(m[1]);
}
