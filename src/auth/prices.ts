// What a cloud answer costs, in USD per million tokens (input, output): the upstream's
// configured prices, else the list price of a well-known model by name (the providers'
// published prices; a model not listed here is priced only when configured). Used for the
// cloud budgets; a local upstream costs nothing.
import type { UpstreamConfig } from "../config/resolve.ts";

// Longest prefix wins ("gpt-4o-mini" before "gpt-4o").
const KNOWN: [prefix: string, input: number, output: number][] = [
  ["gpt-4o-mini", 0.15, 0.6],
  ["gpt-4o", 2.5, 10],
  ["gpt-4.1-nano", 0.1, 0.4],
  ["gpt-4.1-mini", 0.4, 1.6],
  ["gpt-4.1", 2, 8],
  ["gpt-5-nano", 0.05, 0.4],
  ["gpt-5-mini", 0.25, 2],
  ["gpt-5", 1.25, 10],
  ["o4-mini", 1.1, 4.4],
  ["o3-mini", 1.1, 4.4],
  ["o3", 2, 8],
  ["claude-3-5-haiku", 0.8, 4],
  ["claude-haiku", 1, 5],
  ["claude-sonnet", 3, 15],
  ["claude-opus", 15, 75],
];

export function priceOf(u: UpstreamConfig, model: string): { input: number; output: number } | null {
  if (u.tier !== "cloud") return { input: 0, output: 0 };
  if (u.priceInput !== null || u.priceOutput !== null) return { input: u.priceInput ?? 0, output: u.priceOutput ?? 0 };
  const name = model.toLowerCase().replace(/^.*\//, "");
  let best: (typeof KNOWN)[number] | null = null;
  for (const k of KNOWN) if (name.startsWith(k[0]) && (!best || k[0].length > best[0].length)) best = k;
  return best ? { input: best[1], output: best[2] } : null;
}

export function costUsd(price: { input: number; output: number }, usage: { input: number; output: number }): number {
  return (usage.input * price.input + usage.output * price.output) / 1e6;
}
