// One figure of the bench table: what was measured, against which reference from the same
// run, and whether the issue's target (issue 13) is met. Pure, so the verdicts are tested.

/** ratio: measured ÷ reference; added: (measured − reference) × scale; value: measured alone. */
export type Compare = "ratio" | "added" | "value";

export interface Figure {
  name: string;
  /** Unit of measured and reference ("req/s", "ms", "MiB", "µs CPU", ""). */
  unit: string;
  measured: number | null;
  reference: number | null;
  compare: Compare;
  op: "≥" | "≤" | "<";
  goal: number;
  /** For "added": multiply the difference (e.g. 1000 / chunks for µs per chunk) and name its unit. */
  scale?: number;
  addedUnit?: string;
  /** Why a figure is missing or how to read it; shown after the verdict. */
  note?: string;
  /** The run did not do what the figure assumes (e.g. not every stream opened): missed whatever the number. */
  unmet?: boolean;
}

export type Verdict = "met" | "missed" | "not measured";

export interface Evaluated {
  figure: Figure;
  /** The number compared with the goal (the ratio, the difference or the value). */
  value: number | null;
  verdict: Verdict;
}

const usable = (v: number | null): v is number => v !== null && Number.isFinite(v);

export function compared(f: Figure): number | null {
  if (!usable(f.measured)) return null;
  if (f.compare === "value") return f.measured;
  if (!usable(f.reference)) return null;
  if (f.compare === "ratio") return f.reference === 0 ? null : f.measured / f.reference;
  return (f.measured - f.reference) * (f.scale ?? 1);
}

export function meets(value: number, op: Figure["op"], goal: number): boolean {
  if (op === "≥") return value >= goal;
  if (op === "≤") return value <= goal;
  return value < goal;
}

export function evaluate(f: Figure): Evaluated {
  const value = compared(f);
  if (value === null) return { figure: f, value, verdict: "not measured" };
  return { figure: f, value, verdict: !f.unmet && meets(value, f.op, f.goal) ? "met" : "missed" };
}

/** A number with as many decimals as its size needs: 12345 → "12345", 1.234 → "1.23", 0.0123 → "0.012". */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.1 || a === 0) return v.toFixed(2);
  return v.toFixed(3);
}

const withUnit = (v: number | null, unit: string) => (usable(v) ? (unit ? `${formatNumber(v)} ${unit}` : formatNumber(v)) : "—");

/** The table's cells: figure | measured | reference | ratio/added | target | met/missed. */
export function cells(e: Evaluated): string[] {
  const f = e.figure;
  const unit = f.compare === "added" ? (f.addedUnit ?? f.unit) : f.compare === "ratio" ? "×" : f.unit;
  const sign = f.compare === "added" && usable(e.value) && e.value >= 0 ? "+" : "";
  const delta = f.compare === "value" ? "—" : usable(e.value) ? `${sign}${formatNumber(e.value)}${unit === "×" ? "×" : ` ${unit}`}` : "—";
  const goal = unit === "×" ? `${f.op} ${f.goal}×` : `${f.op} ${f.compare === "added" ? "+" : ""}${f.goal}${unit ? ` ${unit}` : ""}`;
  const verdict = f.note ? `${e.verdict} (${f.note})` : e.verdict;
  return [f.name, withUnit(f.measured, f.unit), withUnit(f.reference, f.unit), delta, goal, verdict];
}

export const TABLE_HEADER = ["figure", "measured", "reference", "ratio/added", "target", "met/missed"];
