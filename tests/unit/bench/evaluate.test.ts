import { describe, expect, test } from "bun:test";
import { cells, compared, evaluate, type Figure, formatNumber } from "../../../bench/evaluate.ts";
import { renderMarkdown, renderText } from "../../../bench/summary-table.ts";

const ratio: Figure = { name: "passthrough req/s vs floor", unit: "req/s", measured: 9000, reference: 10000, compare: "ratio", op: "≥", goal: 0.9 };
const added: Figure = { name: "first token added p50", unit: "ms", measured: 20.35, reference: 20.2, compare: "added", op: "≤", goal: 0.1 };
const perChunk: Figure = {
  name: "translation per chunk",
  unit: "ms",
  measured: 12,
  reference: 10,
  compare: "added",
  op: "≤",
  goal: 1,
  scale: 1000 / 2000,
  addedUnit: "µs/chunk",
};
const value: Figure = { name: "RSS", unit: "MiB", measured: 99.5, reference: 60, compare: "value", op: "<", goal: 100 };

describe("evaluate", () => {
  test("a ratio is measured ÷ reference, met at the goal exactly", () => {
    expect(compared(ratio)).toBeCloseTo(0.9);
    expect(evaluate(ratio).verdict).toBe("met");
    expect(evaluate({ ...ratio, measured: 8999 }).verdict).toBe("missed");
  });

  test("an added figure is the difference, scaled when per chunk", () => {
    expect(compared(added)).toBeCloseTo(0.15);
    expect(evaluate(added).verdict).toBe("missed");
    expect(compared(perChunk)).toBeCloseTo(1); // (12 − 10) ms over 2,000 chunks = 1 µs each
    expect(evaluate(perChunk).verdict).toBe("met");
  });

  test("a value is compared alone; its reference is only shown", () => {
    expect(evaluate(value).verdict).toBe("met");
    expect(evaluate({ ...value, measured: 100 }).verdict).toBe("missed"); // "<" is strict
  });

  test("a missing or NaN figure is not measured, never met", () => {
    expect(evaluate({ ...ratio, measured: null }).verdict).toBe("not measured");
    expect(evaluate({ ...ratio, reference: Number.NaN }).verdict).toBe("not measured");
    expect(evaluate({ ...ratio, reference: 0 }).verdict).toBe("not measured");
    expect(evaluate({ ...value, measured: Number.NaN }).verdict).toBe("not measured");
  });

  test("a run that did not do what the figure assumes is missed whatever the number", () => {
    expect(evaluate({ ...value, unmet: true, note: "256 of 1000 streams started" }).verdict).toBe("missed");
  });

  test("numbers get the decimals their size needs", () => {
    expect([12345.6, 56.78, 1.234, 0.0123, 0, -0.5].map(formatNumber)).toEqual(["12346", "56.8", "1.23", "0.012", "0.00", "-0.50"]);
  });
});

describe("table", () => {
  test("cells: figure | measured | reference | ratio/added | target | verdict", () => {
    expect(cells(evaluate(ratio))).toEqual(["passthrough req/s vs floor", "9000 req/s", "10000 req/s", "0.90×", "≥ 0.9×", "met"]);
    expect(cells(evaluate(added))).toEqual(["first token added p50", "20.4 ms", "20.2 ms", "+0.15 ms", "≤ +0.1 ms", "missed"]);
    expect(cells(evaluate(perChunk))[3]).toBe("+1.00 µs/chunk");
    expect(cells(evaluate(value)).slice(3)).toEqual(["—", "< 100 MiB", "met"]);
    expect(cells(evaluate({ ...value, measured: null, note: "build failed" }))).toEqual([
      "RSS",
      "—",
      "60.0 MiB",
      "—",
      "< 100 MiB",
      "not measured (build failed)",
    ]);
  });

  test("the text table aligns every row under the header", () => {
    const lines = renderText([ratio, added, value].map(evaluate)).split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toStartWith("figure");
    expect(lines[1]).toMatch(/^-+( +-+){5}$/);
    const col = lines[0].indexOf("target");
    for (const l of lines.slice(2)) expect(l.length).toBeGreaterThan(col);
  });

  test("markdown names the machine and the command, and escapes pipes", () => {
    const machine = { cpus: 2, cpuModel: "AMD EPYC", platform: "linux", bun: "1.4.5", loadavg1m: 0.5 };
    const md = renderMarkdown([evaluate(ratio), evaluate({ ...value, name: "a | b" })], { date: "2026-12-01", machine, command: "npm run bench" });
    expect(md).toContain("`npm run bench` on 2 cores (AMD EPYC), Bun 1.4.5");
    expect(md).toContain("| figure | measured | reference | ratio/added | target | met/missed |");
    expect(md).toContain("|---|---:|---:|---:|---:|---|");
    expect(md).toContain("| a \\| b |");
    expect(md).toContain("2 met, 0 missed, 0 not measured.");
  });
});
