// Present one bench run: a side-by-side table for the terminal and a JSON record on disk.
import type { CacheHitResult } from "./scenarios/cache-hit.ts";
import type { MemoryBurstResult } from "./scenarios/memory-burst.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "./load.ts";
import type { Summary } from "./percentile.ts";
import type { Measured, Ratios } from "./ratios.ts";
import { TARGET_NAMES, type PerTarget } from "./targets.ts";

export interface Machine {
  cpus: number;
  cpuModel: string;
  platform: string;
  bun: string;
  /** 1-minute load average when the run started: other work on the box skews every figure. */
  loadavg1m: number;
}

export interface BenchResults extends Measured {
  date: string;
  machine: Machine;
  settings: Record<string, number>;
  ratios: Ratios;
  /** Cache hits against a bare server with the same bytes (scenarios/cache-hit.ts). */
  cacheHit?: CacheHitResult;
  /** Peak RSS and /healthz latency under 200 concurrent 2 MiB streams, cache off and on (scenarios/memory-burst.ts). */
  memoryBurst?: MemoryBurstResult;
}

export function describeMachine(): Machine {
  const c = cpus();
  return { cpus: c.length, cpuModel: c[0]?.model ?? "unknown", platform: platform(), bun: Bun.version, loadavg1m: loadavg()[0] };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
const x = (v: number) => `${v.toFixed(2)}×`;
const signedMs = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(2)} ms`;

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function loadRows(r: PerTarget<LoadResult>): string[][] {
  return TARGET_NAMES.map((n) => [n, r[n].rps.toFixed(0), ms(r[n].p50Ms), ms(r[n].p99Ms), String(r[n].requests), String(r[n].errors + r[n].non2xx)]);
}

function summaryRows(r: PerTarget<Summary>): string[][] {
  return TARGET_NAMES.map((n) => [n, ms(r[n].p50), ms(r[n].p99), ms(r[n].mean), String(r[n].n)]);
}

export function formatReport(r: BenchResults): string {
  const q = r.ratios;
  const parts = [
    `Wayfront bench ${r.date} — ${r.machine.cpus} cores (${r.machine.cpuModel}), Bun ${r.machine.bun}, load avg ${r.machine.loadavg1m.toFixed(2)}`,
    "",
    "Non-streaming POST /v1/chat/completions (autocannon)",
    table(["target", "req/s", "p50", "p99", "requests", "errors"], loadRows(r.nonStreaming)),
    "",
    "Streaming: time to first data bytes (sequential requests)",
    table(["target", "p50", "p99", "mean", "n"], summaryRows(r.firstByte)),
  ];
  if (r.streamTotal) {
    parts.push("", "Streaming: whole paced stream (sequential requests)", table(["target", "p50", "p99", "mean", "n"], summaryRows(r.streamTotal)));
  }
  parts.push(
    "",
    "Ratios (gateway against the reference measured in this run)",
    table(
      ["figure", "value"],
      [
        ["req/s gateway ÷ direct", x(q.rpsGatewayOverDirect)],
        ["req/s gateway ÷ floor proxy", x(q.rpsGatewayOverFloor)],
        ["req/s floor proxy ÷ direct", x(q.rpsFloorOverDirect)],
        ["p50 latency gateway ÷ direct", x(q.latencyP50GatewayOverDirect)],
        ["TTFB added p50 (gateway − direct)", signedMs(q.ttfbAddedP50Ms)],
        ["TTFB added p99 (gateway − direct)", signedMs(q.ttfbAddedP99Ms)],
        ["TTFB added p50 (gateway − floor)", signedMs(q.ttfbAddedOverFloorP50Ms)],
        ["stream total added p50", q.streamTotalAddedP50Ms === null ? "not measured" : signedMs(q.streamTotalAddedP50Ms)],
      ],
    ),
  );
  return parts.join("\n");
}

/** Local calendar date, YYYY-MM-DD. */
export function dateStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function writeResults(r: BenchResults, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${r.date}.json`);
  writeFileSync(path, JSON.stringify(r, null, 2) + "\n");
  return path;
}
