import { describe, expect, test } from "bun:test";
import { counter, Registry, registry } from "../../../src/status/metrics.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// A small parser for text format 0.0.4: enough to check structure, escaping and values.
function parse(text: string) {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.slice(0, -1).split("\n")) {
    const helpLine = line.match(/^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/);
    const typeLine = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/);
    const sample = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/);
    if (helpLine) {
      help.set(
        helpLine[1],
        helpLine[2].replace(/\\(\\|n)/g, (_, c) => (c === "n" ? "\n" : "\\")),
      );
    } else if (typeLine) {
      type.set(typeLine[1], typeLine[2]);
    } else if (sample) {
      samples.push({ name: sample[1], labels: parseLabels(sample[2] ?? ""), value: parseValue(sample[3]) });
    } else {
      throw new Error(`unparseable line: ${JSON.stringify(line)}`);
    }
  }
  return { help, type, samples };
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s) return out;
  const body = s.slice(1, -1);
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
  while (re.lastIndex < body.length) {
    const m = re.exec(body);
    if (!m) break;
    out[m[1]] = m[2].replace(/\\([\\"n])/g, (_, c) => (c === "n" ? "\n" : c));
  }
  if (re.lastIndex !== body.length) throw new Error(`bad label set: ${s}`);
  return out;
}

function parseValue(v: string): number {
  if (v === "+Inf") return Infinity;
  if (v === "-Inf") return -Infinity;
  if (v === "NaN") return NaN;
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`bad value ${v}`);
  return n;
}

const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels));

describe("metrics registry", () => {
  test("counters and gauges render with HELP/TYPE and labels", () => {
    const r = new Registry();
    const req = r.counter("wf_requests_total", "Requests by upstream.", ["upstream", "status"]);
    req.inc({ upstream: "gpu", status: 200 });
    req.inc({ upstream: "gpu", status: 200 }, 2);
    req.inc({ upstream: "cloud", status: 502 });
    const inflight = r.gauge("wf_inflight", "In flight.", ["upstream"]);
    inflight.set({ upstream: "gpu" }, 4);
    inflight.dec({ upstream: "gpu" });
    const up = r.counter("wf_up_total", "Unlabelled, unused.");

    const { help, type, samples } = parse(r.prometheus());
    expect(type.get("wf_requests_total")).toBe("counter");
    expect(type.get("wf_inflight")).toBe("gauge");
    expect(help.get("wf_requests_total")).toBe("Requests by upstream.");
    expect(find(samples, "wf_requests_total", { upstream: "gpu", status: "200" })?.value).toBe(3);
    expect(find(samples, "wf_requests_total", { upstream: "cloud", status: "502" })?.value).toBe(1);
    expect(find(samples, "wf_inflight", { upstream: "gpu" })?.value).toBe(3);
    // An unlabelled metric is exposed as 0 before first use.
    expect(find(samples, "wf_up_total", {})?.value).toBe(0);
    up.inc();
    expect(find(parse(r.prometheus()).samples, "wf_up_total", {})?.value).toBe(1);
  });

  test("label values and help text are escaped and round-trip", () => {
    const r = new Registry();
    const nasty = 'a"b\\c\nd';
    r.counter("wf_esc_total", "line1\nline2 \\ back", ["v"]).inc({ v: nasty });
    const text = r.prometheus();
    expect(text.split("\n").length).toBe(4); // HELP, TYPE, one sample, trailing newline
    const { help, samples } = parse(text);
    expect(help.get("wf_esc_total")).toBe("line1\nline2 \\ back");
    expect(samples[0].labels.v).toBe(nasty);
  });

  test("histogram buckets are cumulative with +Inf, _sum and _count", () => {
    const r = new Registry();
    const h = r.histogram("wf_latency_seconds", "Latency.", ["upstream"], [0.1, 0.5, 1]);
    for (const v of [0.05, 0.1, 0.3, 0.7, 2, 5]) h.observe({ upstream: "gpu" }, v);
    h.with({ upstream: "cloud" }).observe(0.2);

    const { type, samples } = parse(r.prometheus());
    expect(type.get("wf_latency_seconds")).toBe("histogram");
    const b = (le: string) => find(samples, "wf_latency_seconds_bucket", { upstream: "gpu", le })?.value;
    expect([b("0.1"), b("0.5"), b("1"), b("+Inf")]).toEqual([2, 3, 4, 6]);
    expect(find(samples, "wf_latency_seconds_count", { upstream: "gpu" })?.value).toBe(6);
    expect(find(samples, "wf_latency_seconds_sum", { upstream: "gpu" })?.value).toBeCloseTo(8.15, 10);
    expect(find(samples, "wf_latency_seconds_bucket", { upstream: "cloud", le: "0.1" })?.value).toBe(0);
    expect(find(samples, "wf_latency_seconds_bucket", { upstream: "cloud", le: "0.5" })?.value).toBe(1);

    // Buckets never decrease, and +Inf equals _count, for every series.
    for (const up of ["gpu", "cloud"]) {
      const series = samples.filter((s) => s.name === "wf_latency_seconds_bucket" && s.labels.upstream === up);
      for (let i = 1; i < series.length; i++) expect(series[i].value).toBeGreaterThanOrEqual(series[i - 1].value);
      expect(series.at(-1)!.labels.le).toBe("+Inf");
      expect(series.at(-1)!.value).toBe(find(samples, "wf_latency_seconds_count", { upstream: up })!.value);
    }
  });

  test("snapshot mirrors the values as JSON", () => {
    const r = new Registry();
    r.counter("wf_c_total", "c", ["k"]).with({ k: "x" }).inc(5);
    r.histogram("wf_h", "h", [], [1, 2]).observe({}, 1.5);
    const snap = JSON.parse(JSON.stringify(r.snapshot()));
    expect(snap.wf_c_total).toEqual({ type: "counter", help: "c", series: [{ labels: { k: "x" }, value: 5 }] });
    expect(snap.wf_h.series[0]).toEqual({ labels: {}, buckets: { "1": 0, "2": 1, "+Inf": 1 }, sum: 1.5, count: 1 });
  });

  test("registration is idempotent per name and rejects clashes and bad input", () => {
    const r = new Registry();
    const a = r.counter("wf_x_total", "x", ["a"]);
    expect(r.counter("wf_x_total", "x", ["a"])).toBe(a);
    expect(() => r.gauge("wf_x_total", "x", ["a"])).toThrow();
    expect(() => r.counter("wf_x_total", "x", ["b"])).toThrow();
    expect(() => r.counter("bad-name", "x")).toThrow();
    expect(() => r.counter("wf_y", "x", ["bad-label"])).toThrow();
    expect(() => r.histogram("wf_h", "x", ["le"])).toThrow();
    expect(() => r.histogram("wf_h2", "x", [], [1, 1])).toThrow();
    expect(() => a.inc({ a: "1" }, -1)).toThrow();
  });

  test("the module-level helpers register on the shared registry", () => {
    const c = counter("wf_module_test_total", "From the shared registry.");
    c.inc();
    expect(registry.prometheus()).toContain("wf_module_test_total 1\n");
  });
});
