// A small metrics registry: counters, gauges and histograms with labels, rendered as
// Prometheus text exposition format 0.0.4 and as a JSON snapshot for the status page.
// A leaf: imports nothing, so any layer may record.
//
// Hot path: one string join of the label values and one Map lookup per record; for a
// fixed label set, `.with(labels)` binds the series once so recording is a field update.

export type Labels = Record<string, string | number>;
type Kind = "counter" | "gauge" | "histogram";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Label values may contain anything printable; the unit separator never appears in the
// values we record, and a collision would only merge two series, never corrupt output.
const SEP = "\u001f";

/** Seconds: from a cache hit (~1 ms) to a slow local model load (~1 min). */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Series {
  values: string[];
  value: number;
  /** Histogram only: per-bucket (non-cumulative) counts; cumulated at render time. */
  counts?: Float64Array;
  sum: number;
}

abstract class Metric {
  protected readonly series = new Map<string, Series>();
  constructor(
    readonly kind: Kind,
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new Error(`invalid metric name: ${name}`);
    for (const l of labelNames) if (!LABEL.test(l) || l.startsWith("__")) throw new Error(`invalid label name: ${l}`);
  }

  /** Label value → … → series, one level per label: a record looks values up, it builds no key string. */
  private readonly index = new Map<string, unknown>();

  protected get(labels: Labels): Series {
    const names = this.labelNames;
    let node = this.index;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const v = String(labels[names[i]] ?? "");
      let next = node.get(v) as Map<string, unknown> | undefined;
      if (!next) {
        next = new Map();
        node.set(v, next);
      }
      node = next;
    }
    const leaf = last < 0 ? "" : String(labels[names[last]] ?? "");
    let s = node.get(leaf) as Series | undefined;
    if (!s) {
      const values = names.map((n) => String(labels[n] ?? ""));
      s = { values, value: 0, sum: 0, counts: this.newCounts() };
      node.set(leaf, s);
      // Rendering walks this one, in the order series first appeared.
      this.series.set(values.join(SEP), s);
    }
    return s;
  }

  protected newCounts(): Float64Array | undefined {
    return undefined;
  }

  allSeries(): Iterable<Series> {
    // An unlabelled metric exists from registration, so it renders as 0 before first use.
    if (this.labelNames.length === 0 && this.series.size === 0) this.get({});
    return this.series.values();
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super("counter", name, help, labelNames);
  }
  inc(labels: Labels = {}, v = 1): void {
    if (v < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.get(labels).value += v;
  }
  with(labels: Labels): { inc(v?: number): void } {
    const s = this.get(labels);
    return {
      inc: (v = 1) => {
        s.value += Math.max(v, 0);
      },
    };
  }
}

export class Gauge extends Metric {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super("gauge", name, help, labelNames);
  }
  set(labels: Labels, v: number): void {
    this.get(labels).value = v;
  }
  inc(labels: Labels = {}, v = 1): void {
    this.get(labels).value += v;
  }
  dec(labels: Labels = {}, v = 1): void {
    this.get(labels).value -= v;
  }
  with(labels: Labels): { set(v: number): void; inc(v?: number): void; dec(v?: number): void } {
    const s = this.get(labels);
    return {
      set: (v) => {
        s.value = v;
      },
      inc: (v = 1) => {
        s.value += v;
      },
      dec: (v = 1) => {
        s.value -= v;
      },
    };
  }
}

export class Histogram extends Metric {
  readonly buckets: readonly number[];
  constructor(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_BUCKETS) {
    if (labelNames.includes("le")) throw new Error(`histogram ${name} cannot use the label "le"`);
    const b = buckets.filter((x) => x !== Infinity);
    for (let i = 1; i < b.length; i++) if (!(b[i] > b[i - 1])) throw new Error(`histogram ${name}: buckets must increase`);
    super("histogram", name, help, labelNames);
    this.buckets = b;
  }

  protected override newCounts(): Float64Array {
    return new Float64Array(this.buckets.length);
  }

  observe(labels: Labels, v: number): void {
    record(this.get(labels), this.buckets, v);
  }
  with(labels: Labels): { observe(v: number): void } {
    const s = this.get(labels);
    return { observe: (v) => record(s, this.buckets, v) };
  }
}

// Values above the last bucket land only in +Inf, which is the series count.
function record(s: Series, buckets: readonly number[], v: number): void {
  s.value++;
  s.sum += v;
  for (let i = 0; i < buckets.length; i++) {
    if (v <= buckets[i]) {
      s.counts![i]++;
      return;
    }
  }
}

type AnyMetric = Counter | Gauge | Histogram;

export class Registry {
  private readonly metrics = new Map<string, AnyMetric>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(name, "counter", labelNames, () => new Counter(name, help, labelNames)) as Counter;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(name, "gauge", labelNames, () => new Gauge(name, help, labelNames)) as Gauge;
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
    return this.register(name, "histogram", labelNames, () => new Histogram(name, help, labelNames, buckets)) as Histogram;
  }

  // Registering the same metric twice returns the first (modules may be re-evaluated in
  // tests and on reload); a clash in type or labels is a programming error.
  private register(name: string, kind: Kind, labelNames: readonly string[], make: () => AnyMetric): AnyMetric {
    const have = this.metrics.get(name);
    if (have) {
      if (have.kind !== kind || have.labelNames.join() !== labelNames.join()) {
        throw new Error(`metric ${name} already registered as ${have.kind}(${have.labelNames.join(",")})`);
      }
      return have;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }

  /** Prometheus text exposition format 0.0.4 (content type text/plain; version=0.0.4). */
  prometheus(): string {
    const lines: string[] = [];
    for (const m of this.metrics.values()) {
      lines.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.kind}`);
      for (const s of m.allSeries()) {
        if (m instanceof Histogram) renderHistogram(lines, m, s);
        else lines.push(`${m.name}${labelText(m.labelNames, s.values)} ${num(s.value)}`);
      }
    }
    return lines.length ? lines.join("\n") + "\n" : "";
  }

  /** JSON view: histogram buckets are cumulative, keyed by their upper bound. */
  snapshot(): Record<string, { type: Kind; help: string; series: object[] }> {
    const out: Record<string, { type: Kind; help: string; series: object[] }> = {};
    for (const m of this.metrics.values()) {
      const series: object[] = [];
      for (const s of m.allSeries()) {
        const labels = Object.fromEntries(m.labelNames.map((n, i) => [n, s.values[i]]));
        if (m instanceof Histogram) {
          const buckets: Record<string, number> = {};
          for (const [i, c] of cumulative(s).entries()) buckets[String(m.buckets[i])] = c;
          buckets["+Inf"] = s.value;
          series.push({ labels, buckets, sum: s.sum, count: s.value });
        } else series.push({ labels, value: s.value });
      }
      out[m.name] = { type: m.kind, help: m.help, series };
    }
    return out;
  }
}

function renderHistogram(lines: string[], m: Histogram, s: Series): void {
  const names = [...m.labelNames, "le"];
  cumulative(s).forEach((c, i) => {
    lines.push(`${m.name}_bucket${labelText(names, [...s.values, num(m.buckets[i])])} ${num(c)}`);
  });
  lines.push(`${m.name}_bucket${labelText(names, [...s.values, "+Inf"])} ${num(s.value)}`);
  const base = labelText(m.labelNames, s.values);
  lines.push(`${m.name}_sum${base} ${num(s.sum)}`, `${m.name}_count${base} ${num(s.value)}`);
}

function cumulative(s: Series): number[] {
  let acc = 0;
  return Array.from(s.counts ?? [], (c) => (acc += c));
}

function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  return `{${names.map((n, i) => `${n}="${escapeLabel(values[i])}"`).join(",")}}`;
}

// Format 0.0.4: label values escape backslash, double quote and newline; HELP text
// escapes backslash and newline only.
const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function num(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

/** The process-wide registry behind /metrics and /status.json. */
export const registry = new Registry();
export const counter = registry.counter.bind(registry);
export const gauge = registry.gauge.bind(registry);
export const histogram = registry.histogram.bind(registry);
