// Scenario: cache hits under load. The gateway answers a request it has cached (exact key,
// non-streamed, and with `streamed` also the streamed form) against a bare Bun server
// returning the same bytes; the ratio is what the cache path costs over the floor of
// "answer with these bytes".
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad, type LoadResult } from "../load.ts";
import { BENCH_MODEL } from "../reference-upstream.ts";
import { spawnServer, type ServerProcess } from "../spawn-server.ts";
import { chatBody } from "../targets.ts";

export interface CacheHitOptions {
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** Also measure streamed hits (SSE replay) against the same bytes served bare. */
  streamed?: boolean;
}

export interface HitRatio {
  gateway: LoadResult;
  bare: LoadResult;
  rpsRatio: number;
  p50Ratio: number;
}

export interface CacheHitResult {
  gateway: LoadResult;
  bare: LoadResult;
  /** gateway rps / bare rps (1 = as fast as the bare server) */
  rpsRatio: number;
  /** gateway p50 / bare p50 */
  p50Ratio: number;
  streamed?: HitRatio;
}

export async function runCacheHit(o: CacheHitOptions): Promise<CacheHitResult> {
  const procs: ServerProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "wayfront-bench-bytes-"));
  try {
    const upstream = await spawnServer("upstream", ["20", "0"]);
    procs.push(upstream);
    const gateway = await spawnServer("cache-gateway", [upstream.url]);
    procs.push(gateway);
    const url = `${gateway.url}/v1/chat/completions`;
    const side = async (stream: boolean): Promise<HitRatio> => {
      const body = chatBody(BENCH_MODEL, stream);
      const post = () => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      await (await post()).arrayBuffer(); // the miss that fills the cache (or a hit already)
      const hit = await post();
      if (hit.headers.get("x-wayfront-cache") !== "HIT")
        throw new Error(`cache-hit bench: expected a HIT, got ${hit.headers.get("x-wayfront-cache")}`);
      const file = join(dir, stream ? "answer.sse" : "answer.json");
      writeFileSync(file, new Uint8Array(await hit.arrayBuffer()));
      const bare = await spawnServer("static-bytes", [file]);
      procs.push(bare);
      const measure = async (target: string) => {
        if (o.warmupSec > 0) await runLoad({ url: target, body, connections: o.connections, durationSec: o.warmupSec });
        return runLoad({ url: target, body, connections: o.connections, durationSec: o.durationSec });
      };
      const g = await measure(url);
      const b = await measure(`${bare.url}/v1/chat/completions`);
      return { gateway: g, bare: b, rpsRatio: g.rps / b.rps, p50Ratio: g.p50Ms / b.p50Ms };
    };
    const plain = await side(false);
    return o.streamed ? { ...plain, streamed: await side(true) } : plain;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatCacheHit(r: CacheHitResult): string {
  const row = (name: string, l: LoadResult) =>
    `${name.padEnd(14)} ${l.rps.toFixed(0).padStart(8)} req/s  p50 ${l.p50Ms.toFixed(2)} ms  p99 ${l.p99Ms.toFixed(2)} ms  errors ${l.errors + l.non2xx}`;
  const lines = [
    "cache hit (non-streamed, exact key) vs a bare Bun server returning the same bytes",
    row("bare server", r.bare),
    row("gateway hit", r.gateway),
    `ratio: throughput ${r.rpsRatio.toFixed(2)}× of bare, p50 latency ${r.p50Ratio.toFixed(2)}× of bare`,
  ];
  if (r.streamed) {
    lines.push(
      "cache hit (streamed SSE replay, exact key) vs a bare Bun server returning the same bytes",
      row("bare server", r.streamed.bare),
      row("gateway hit", r.streamed.gateway),
      `ratio (streamed): throughput ${r.streamed.rpsRatio.toFixed(2)}× of bare, p50 latency ${r.streamed.p50Ratio.toFixed(2)}× of bare`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  console.log(formatCacheHit(await runCacheHit({ connections: 20, durationSec: 5, warmupSec: 1, streamed: !process.argv.includes("--no-stream") })));
}
