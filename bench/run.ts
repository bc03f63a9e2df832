// `npm run bench`: every figure of issue 13 side by side with its reference, in one run.
// Prints one table, writes bench/results/<date>.json and bench/results/latest.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureClientCap } from "./client-cap.ts";
import { evaluate } from "./evaluate.ts";
import { issueFigures, type Measurements } from "./figures.ts";
import { gatewayToml } from "./gateway-config.ts";
import { findBinary, startBinaryGateway, startSourceGateway } from "./gateways.ts";
import { BENCH_MODEL } from "./reference-upstream.ts";
import { dateStamp, describeMachine, writeResults } from "./report.ts";
import { runCacheHit } from "./scenarios/cache-hit.ts";
import { runColdStart } from "./scenarios/cold-start.ts";
import { runFirstToken } from "./scenarios/first-token.ts";
import { runIdleConnections } from "./scenarios/idle-connections.ts";
import { runLargeBodies } from "./scenarios/large-bodies.ts";
import { MEMORY_BURST_DEFAULTS, runMemoryBurst } from "./scenarios/memory-burst.ts";
import { runOpenStreams } from "./scenarios/open-streams.ts";
import { runOverload } from "./scenarios/overload.ts";
import { type PassthroughTarget, runPassthrough } from "./scenarios/passthrough.ts";
import { runTranslation } from "./scenarios/translation.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";
import { renderMarkdown, renderText } from "./summary-table.ts";
import { chatBody, startTargets } from "./targets.ts";

export const COMMAND = "npm run bench";

// About 3½ minutes on the 2-core box; the sequential first-token loop and the memory burst are the longest parts.
export const SETTINGS = {
  passthrough: { connections: [32, 256], durationSec: 4, warmupSec: 1 },
  firstToken: { samples: 500, warmup: 20 },
  cacheHit: { connections: 32, durationSec: 3, warmupSec: 1 },
  largeBodies: {
    sizes: [
      { bytes: 256 * 1024, samples: 100 },
      { bytes: 2 * 1024 * 1024, samples: 30 },
    ],
    warmup: 3,
  },
  translation: { chunks: 2000, pieceBytes: 6, samples: 30, warmup: 3 },
  openStreams: { streams: 1000, settleMs: 5_000, probeLimitMs: 3_000, probes: 3 },
  idleConnections: 10_000,
  coldStartRuns: 5,
  overload: { maxConcurrency: 4, factor: 2, durationSec: 4, timeoutMs: 5_000 },
};

/** `--quick`: a smoke run of every scenario in about a minute; its figures are too few to quote. */
export const QUICK_SETTINGS: typeof SETTINGS = {
  ...SETTINGS,
  passthrough: { connections: [32, 256], durationSec: 1, warmupSec: 0.3 },
  firstToken: { samples: 30, warmup: 3 },
  cacheHit: { connections: 32, durationSec: 1, warmupSec: 0.3 },
  largeBodies: {
    sizes: [
      { bytes: 256 * 1024, samples: 10 },
      { bytes: 2 * 1024 * 1024, samples: 5 },
    ],
    warmup: 1,
  },
  translation: { chunks: 2000, pieceBytes: 6, samples: 5, warmup: 1 },
  openStreams: { streams: 1000, settleMs: 2_000, probeLimitMs: 1_000, probes: 1 },
  coldStartRuns: 2,
  overload: { maxConcurrency: 4, factor: 2, durationSec: 2, timeoutMs: 3_000 },
};

const log = (s: string) => process.stderr.write(`${s}\n`);

/** Starts a fresh server, runs `f` against it, stops it: scenarios that read a server's RSS need one of their own. */
async function withFresh<T>(start: () => Promise<ServerProcess>, f: (p: ServerProcess) => Promise<T>): Promise<T> {
  const p = await start();
  try {
    return await f(p);
  } finally {
    await p.stop();
  }
}

export async function measureAll(S = SETTINGS): Promise<Measurements> {
  const binary = await findBinary();
  const binaryMissing = "reason" in binary ? binary.reason : undefined;
  if (binaryMissing) log(`compiled binary not measured: ${binaryMissing}`);
  const t = await startTargets({ chunks: 20, chunkDelayMs: 5 });
  const passToml = gatewayToml({ upstreamUrl: t.urls.direct });
  const bin = binary.path ? await startBinaryGateway(binary.path, passToml, chatBody(BENCH_MODEL, false)) : null;
  // Stopped before the scenarios that start their own servers, so idle processes stay off the cores.
  let stopped: Promise<unknown> | null = null;
  const stopShared = () => (stopped ??= Promise.allSettled([bin?.stop(), t.stop()]));
  try {
    const targets: PassthroughTarget[] = [
      { name: "direct", url: t.urls.direct, pid: null },
      { name: "floor", url: t.urls.floor, pid: t.pids.floor },
      { name: "gateway", url: t.urls.gateway, pid: t.pids.gateway },
      ...(bin ? [{ name: "binary", url: bin.url, pid: bin.pid }] : []),
    ];
    log(`passthrough: ${targets.length} targets × ${S.passthrough.connections.join(" and ")} connections…`);
    const passthrough = await runPassthrough(targets, S.passthrough);
    const streamUrls = { floor: t.urls.floor, gateway: t.urls.gateway, ...(bin ? { binary: bin.url } : {}) };
    log(`first token: ${S.firstToken.samples} sequential streams per target…`);
    const firstToken = await runFirstToken(streamUrls, S.firstToken);
    log("large bodies: 256 KiB and 2 MiB, sequential…");
    const largeBodies = await runLargeBodies({ floor: t.urls.floor, gateway: t.urls.gateway }, S.largeBodies);
    log(`open streams: ${S.openStreams.streams} held through a fresh gateway…`);
    const openStreams = await withFresh(
      () => startSourceGateway(passToml),
      (gw) => runOpenStreams(gw, S.openStreams),
    );
    log(`idle connections: ${S.idleConnections} keep-alive, gateway then floor…`);
    const idleConnections = {
      gateway: await withFresh(
        () => startSourceGateway(passToml),
        (gw) => runIdleConnections(gw, S.idleConnections),
      ),
      floor: await withFresh(
        () => spawnServer("floor-proxy", [t.urls.direct]),
        (fp) => runIdleConnections(fp, S.idleConnections),
      ),
    };
    log(`overload: ${S.overload.factor}× capacity of max_concurrency = ${S.overload.maxConcurrency}…`);
    const overloadToml = gatewayToml({ upstreamUrl: t.urls.direct, maxConcurrency: S.overload.maxConcurrency });
    const overload = await withFresh(
      () => startSourceGateway(overloadToml),
      (gw) => runOverload(gw.url, S.overload),
    );
    const coldStart = binary.path
      ? (log("cold start: binary and compiled floor proxy…"), await runColdStart(binary.path, passToml, t.urls.direct, S.coldStartRuns))
      : null;
    await stopShared();
    log("cache hit: gateway hit vs bare Bun with the same bytes…");
    const cacheHit = await runCacheHit(S.cacheHit);
    log("translation: Responses → Chat vs chat passthrough…");
    const translation = await runTranslation(S.translation);
    log("memory burst: 200 concurrent 2 MiB streams × (cache off, cache always)…");
    const memoryBurst = await runMemoryBurst(MEMORY_BURST_DEFAULTS);
    return {
      passthrough,
      firstToken,
      cacheHit,
      largeBodies,
      translation,
      openStreams,
      idleConnections,
      coldStart,
      overload,
      memoryBurst,
      binaryMissing,
    };
  } finally {
    await stopShared();
  }
}

if (import.meta.main) {
  await ensureClientCap();
  const machine = describeMachine();
  const date = dateStamp();
  const quick = process.argv.includes("--quick");
  const settings = quick ? QUICK_SETTINGS : SETTINGS;
  const measurements = await measureAll(settings);
  const rows = issueFigures(measurements).map(evaluate);
  console.log(
    `\nWayfront bench ${date}: ${machine.cpus} cores (${machine.cpuModel}), Bun ${machine.bun}, load avg ${machine.loadavg1m.toFixed(2)} at the start\n`,
  );
  console.log(renderText(rows));
  // A quick run's figures are too few to record or to show in the README.
  if (quick) process.exit(0);
  const dir = join(import.meta.dir, "results");
  const path = writeResults({ date, machine, command: COMMAND, settings, figures: rows, measurements }, dir);
  writeFileSync(join(dir, "latest.md"), renderMarkdown(rows, { date, machine, command: COMMAND }));
  console.log(`\nwrote ${path} and ${join(dir, "latest.md")}`);
}
