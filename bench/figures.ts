// The issue 13 target table, filled from one run's measurements: each row names what was
// measured, the reference from the same run and the target.
import type { Figure } from "./evaluate.ts";
import type { Summary } from "./percentile.ts";
import type { CacheHitResult } from "./scenarios/cache-hit.ts";
import type { ColdStartResult } from "./scenarios/cold-start.ts";
import type { LoadResult } from "./load.ts";
import type { IdleConnectionsResult } from "./scenarios/idle-connections.ts";
import type { LargeBodyResult } from "./scenarios/large-bodies.ts";
import type { MemoryBurstResult } from "./scenarios/memory-burst.ts";
import type { OpenStreamsResult } from "./scenarios/open-streams.ts";
import type { OverloadResult } from "./scenarios/overload.ts";
import type { PassthroughResult } from "./scenarios/passthrough.ts";
import type { TranslationResult } from "./scenarios/translation.ts";

export interface Measurements {
  passthrough: PassthroughResult;
  firstToken: Record<string, Summary>;
  cacheHit: CacheHitResult | null;
  largeBodies: LargeBodyResult;
  translation: TranslationResult | null;
  openStreams: OpenStreamsResult | null;
  idleConnections: { gateway: IdleConnectionsResult; floor: IdleConnectionsResult } | null;
  coldStart: ColdStartResult | null;
  overload: OverloadResult | null;
  memoryBurst: MemoryBurstResult | null;
  /** Why the compiled binary was not measured, when it was not. */
  binaryMissing?: string;
}

/** Overload's bound on the admitted p99: 20× the upstream's service time (SLOW_MS = 50 ms). */
export const OVERLOAD_P99_BOUND_MS = 1000;

type Op = Figure["op"];
type Extra = Pick<Figure, "note" | "unmet" | "scale" | "addedUnit">;
const ratio = (name: string, unit: string, measured: number | null, reference: number | null, op: Op, goal: number, x: Extra = {}): Figure => ({
  name,
  unit,
  measured,
  reference,
  compare: "ratio",
  op,
  goal,
  ...x,
});
const added = (name: string, unit: string, measured: number | null, reference: number | null, goal: number, x: Extra = {}): Figure => ({
  name,
  unit,
  measured,
  reference,
  compare: "added",
  op: "≤",
  goal,
  ...x,
});
const value = (name: string, unit: string, measured: number | null, reference: number | null, op: Op, goal: number, x: Extra = {}): Figure => ({
  name,
  unit,
  measured,
  reference,
  compare: "value",
  op,
  goal,
  ...x,
});

/** The gateways compared with the floor: from source always, the binary when it was measured. */
function gateways(m: Measurements): { key: string; label: string }[] {
  const any = Object.values(m.passthrough)[0] ?? {};
  return [{ key: "gateway", label: "" }, ...(any.binary ? [{ key: "binary", label: " (binary)" }] : [])];
}

/**
 * A load run in which either side answered errors measured something else than the figure
 * names (an error is cheaper than an answer): missed whatever the ratio, and said.
 */
function failedAnswers(runs: Record<string, LoadResult | undefined>): Extra {
  const bad = Object.entries(runs)
    .map(([name, r]) => [name, r ? r.errors + r.non2xx : 0] as const)
    .filter(([, n]) => n > 0);
  return bad.length ? { note: bad.map(([name, n]) => `${name}: ${n} errors or non-2xx`).join("; "), unmet: true } : {};
}

function passthroughRows(m: Measurements): Figure[] {
  const rows: Figure[] = [];
  for (const [conns, r] of Object.entries(m.passthrough)) {
    for (const g of gateways(m)) {
      const x = failedAnswers({ [g.key]: r[g.key], floor: r.floor });
      rows.push(ratio(`passthrough req/s vs floor, ${conns} conns${g.label}`, "req/s", r[g.key]?.rps ?? null, r.floor.rps, "≥", 0.9, x));
    }
  }
  // CPU from the first (32-connection) window: the load the target table names first.
  const [conns, r] = Object.entries(m.passthrough)[0] ?? [];
  if (conns && r) {
    for (const g of gateways(m))
      rows.push(
        ratio(
          `CPU per request vs floor, ${conns} conns${g.label}`,
          "µs",
          r[g.key]?.cpuUsPerRequest ?? null,
          r.floor.cpuUsPerRequest,
          "≤",
          1.25,
          failedAnswers({ [g.key]: r[g.key], floor: r.floor }),
        ),
      );
  }
  return rows;
}

function firstTokenRows(m: Measurements): Figure[] {
  const f = m.firstToken;
  const n = f.floor?.n ?? 0;
  return gateways(m).flatMap((g) => [
    added(`first token added p50, ${n} streams${g.label}`, "ms", f[g.key]?.p50 ?? null, f.floor?.p50 ?? null, 0.1),
    added(`first token added p99, ${n} streams${g.label}`, "ms", f[g.key]?.p99 ?? null, f.floor?.p99 ?? null, 1),
  ]);
}

const sizeName = (bytes: number) => (bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`);
/** The issue's targets per body size; a size not named gets the larger one. */
const LARGE_BODY_GOALS_MS: Record<string, number> = { [256 * 1024]: 1, [2 * 1024 * 1024]: 5 };

function largeBodyRows(m: Measurements): Figure[] {
  return Object.entries(m.largeBodies).map(([bytes, r]) =>
    added(`${sizeName(Number(bytes))} body, cache on, added p50`, "ms", r.gateway.p50, r.floor.p50, LARGE_BODY_GOALS_MS[bytes] ?? 5),
  );
}

function memoryRows(m: Measurements): Figure[] {
  const rows: Figure[] = [];
  const o = m.openStreams;
  if (o) {
    const n = o.settings.streams;
    const note = o.started < n ? `${o.started} of ${n} streams started` : undefined;
    // RSS with fewer streams open than asked says nothing about the target, hence unmet.
    rows.push(value(`${n} open streams: RSS (ref: idle)`, "MiB", o.rssOpenMb, o.rssIdleMb, "<", 100, { note, unmet: note !== undefined }));
    const waited = o.probesTimedOut ? `${o.probesTimedOut} of ${o.settings.probes} waited the ${o.settings.probeLimitMs} ms bound` : undefined;
    rows.push(ratio(`${n} open streams: new stream's first byte (ref: idle)`, "ms", o.firstByteOpenMs, o.firstByteIdleMs, "≤", 2, { note: waited }));
  }
  const i = m.idleConnections?.gateway;
  if (i && m.idleConnections) {
    const note = [i.note, i.answered < i.connections ? `${i.answered} answered` : ""].filter(Boolean).join("; ") || undefined;
    rows.push(
      value(`${i.connections} idle keep-alive conns: RSS (ref: floor)`, "MiB", i.rssOpenMb, m.idleConnections.floor.rssOpenMb, "<", 150, {
        note,
        unmet: i.answered < i.connections,
      }),
    );
  }
  return rows;
}

function binaryRows(m: Measurements): Figure[] {
  const c = m.coldStart;
  const note = c ? undefined : (m.binaryMissing ?? "not run");
  return [
    value("binary cold start to first request (ref: floor)", "ms", c?.binary.startMs ?? null, c?.floor.startMs ?? null, "<", 35, { note }),
    value("binary idle RSS (ref: floor)", "MiB", c?.binary.idleRssMb ?? null, c?.floor.idleRssMb ?? null, "<", 45, { note }),
  ];
}

function overloadRows(m: Measurements): Figure[] {
  const o = m.overload;
  if (!o) return [];
  const head = `overload ${o.settings.factor}× capacity (${o.settings.offeredRps} req/s)`;
  const note = `${o.admitted} ok, ${o.refusedWithRetryAfter} 429/503+Retry-After, ${o.refusedBare} without, ${o.otherStatus} other, ${o.timeouts} timeouts, ${o.resets} resets`;
  return [
    value(`${head}: admitted p99`, "ms", o.admittedP99Ms, null, "≤", OVERLOAD_P99_BOUND_MS),
    value(`${head}: not refused with Retry-After`, "", o.sent - o.admitted - o.refusedWithRetryAfter, null, "≤", 0, { note }),
  ];
}

export function issueFigures(m: Measurements): Figure[] {
  const rows = [...passthroughRows(m), ...firstTokenRows(m)];
  const c = m.cacheHit;
  if (c) {
    const x = failedAnswers({ gateway: c.gateway, bare: c.bare });
    rows.push(ratio("cache hit req/s vs bare Bun, same bytes", "req/s", c.gateway.rps, c.bare.rps, "≥", 0.8, x));
  }
  rows.push(...largeBodyRows(m));
  const t = m.translation;
  if (t) {
    const n = t.settings.chunks;
    const perChunk = { scale: 1000 / n, addedUnit: "µs/chunk" };
    rows.push(added(`Responses→Chat, ${n} chunks: last byte added per chunk`, "ms", t.translated.p50, t.passthrough.p50, 1, perChunk));
  }
  rows.push(...memoryRows(m), ...binaryRows(m), ...overloadRows(m));
  const b = m.memoryBurst;
  if (b) {
    rows.push(ratio("memory burst: peak RSS cached vs uncached", "MiB", b.cached.peakRssMb, b.uncached.peakRssMb, "<", 2));
    const refs = b.references;
    rows.push(
      value(
        "memory burst: /healthz max during burst (ref: JS relay)",
        "ms",
        Math.max(b.cached.healthz.maxMs, b.uncached.healthz.maxMs),
        refs.jsRelay.healthz.maxMs,
        "≤",
        100,
        {
          note: `a relay passing each read on in JS: max ${refs.jsRelay.healthz.maxMs.toFixed(0)} ms; Bun's native pipe: ${refs.nativePipe.healthz.maxMs.toFixed(0)} ms`,
        },
      ),
    );
  }
  return rows;
}
