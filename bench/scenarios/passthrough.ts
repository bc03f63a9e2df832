// Scenario: non-streamed passthrough under load at 32 and 256 connections, every target in
// turn (so they never compete with each other for the two cores, only with the load
// generator), with each server's CPU time per request from /proc/<pid>/stat over the window.
import { runLoad, type LoadResult } from "../load.ts";
import { cpuSeconds } from "../proc-stat.ts";
import { BENCH_MODEL } from "../reference-upstream.ts";
import { chatBody } from "../targets.ts";

export interface PassthroughTarget {
  name: string;
  url: string;
  /** The server's pid for CPU accounting; null for none (direct: the upstream is shared by all). */
  pid: number | null;
}

export interface PassthroughOptions {
  connections: number[];
  durationSec: number;
  warmupSec: number;
}

export interface PassthroughFigures extends LoadResult {
  /** The server's own user + system CPU per request over the measured window, µs. */
  cpuUsPerRequest: number | null;
}

/** connections → target name → figures. */
export type PassthroughResult = Record<string, Record<string, PassthroughFigures>>;

export async function runPassthrough(targets: PassthroughTarget[], o: PassthroughOptions): Promise<PassthroughResult> {
  const body = chatBody(BENCH_MODEL, false);
  const out: PassthroughResult = {};
  for (const connections of o.connections) {
    const row: Record<string, PassthroughFigures> = {};
    for (const t of targets) {
      const url = `${t.url}/v1/chat/completions`;
      if (o.warmupSec > 0) await runLoad({ url, body, connections, durationSec: o.warmupSec });
      const cpu0 = t.pid === null ? 0 : cpuSeconds(t.pid);
      const r = await runLoad({ url, body, connections, durationSec: o.durationSec });
      const cpu = t.pid === null ? null : cpuSeconds(t.pid) - cpu0;
      row[t.name] = { ...r, cpuUsPerRequest: cpu === null || r.requests === 0 ? null : (cpu * 1e6) / r.requests };
    }
    out[String(connections)] = row;
  }
  return out;
}
