// Durations and sizes as people write them in a config file.

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_B: Record<string, number> = { B: 1, KB: 1000, KiB: 1024, MB: 1e6, MiB: 1 << 20, GB: 1e9, GiB: 1 << 30 };

/** Numbers are seconds; strings carry their unit (the schema has already checked the pattern). */
export function durationMs(v: number | string | undefined, fallbackMs: number): number {
  if (v === undefined) return fallbackMs;
  if (typeof v === "number") return Math.round(v * 1000);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v)!;
  return Math.round(Number(m[1]) * DURATION_MS[m[2]]);
}

export function sizeBytes(v: number | string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === "number") return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)\s*$/.exec(v)!;
  return Math.round(Number(m[1]) * SIZE_B[m[2]]);
}
