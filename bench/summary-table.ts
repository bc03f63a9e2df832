// The one table of a bench run, for the terminal and as markdown for the README.
import { cells, type Evaluated, TABLE_HEADER } from "./evaluate.ts";
import type { Machine } from "./report.ts";

export function renderText(rows: Evaluated[]): string {
  const body = rows.map(cells);
  const widths = TABLE_HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (c: string[]) =>
    c
      .map((s, i) => (i === 0 || i === c.length - 1 ? s.padEnd(widths[i]) : s.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(TABLE_HEADER), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** Markdown cells may not hold a bare "|". */
const md = (s: string) => s.replaceAll("|", "\\|");

export interface MarkdownContext {
  date: string;
  machine: Machine;
  command: string;
}

export function renderMarkdown(rows: Evaluated[], ctx: MarkdownContext): string {
  const m = ctx.machine;
  const met = rows.filter((r) => r.verdict === "met").length;
  const missed = rows.filter((r) => r.verdict === "missed").length;
  return [
    `Measured ${ctx.date} with \`${ctx.command}\` on ${m.cpus} cores (${m.cpuModel}), Bun ${m.bun}, ` +
      `load average ${m.loadavg1m.toFixed(2)} at the start. Every reference was measured in the same run.`,
    "",
    `| ${TABLE_HEADER.join(" | ")} |`,
    `|${TABLE_HEADER.map((_, i) => (i === 0 || i === TABLE_HEADER.length - 1 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${cells(r).map(md).join(" | ")} |`),
    "",
    `${met} met, ${missed} missed, ${rows.length - met - missed} not measured.`,
    "",
  ].join("\n");
}
