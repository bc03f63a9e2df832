// The headers the gateway itself puts on an answer: the same set on a miss, a hit, a
// coalesced answer, an early-committed stream and an error.
import type { Exchange } from "./exchange.ts";

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

/** Header values must be visible ASCII; the warnings are ours, but tool names are not. */
export function warningText(warnings: readonly string[]): string | null {
  if (warnings.length === 0) return null;
  return [...new Set(warnings)]
    .join("; ")
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 4000);
}

/**
 * x-wayfront-request-id, -cache, age, -upstream (who served: an upstream's name, "cache" for a
 * replay, "none" when nobody did, "pending" on a stream committed before any answered),
 * -attempts, and -warning when a translation dropped something.
 */
export function wayfrontHeaders(x: Exchange, upstream?: string): Record<string, string> {
  const s = x.served;
  const h: Record<string, string> = {
    "x-wayfront-request-id": x.id,
    "x-wayfront-cache": x.cache,
    age: String(x.age),
    "x-wayfront-upstream": upstream ?? s?.upstream.config.name ?? (x.cache.startsWith("HIT") || x.cache === "COALESCED" ? "cache" : "none"),
    "x-wayfront-attempts": String(s?.attempts ?? x.attempts),
  };
  const warning = warningText(s?.prepared.translation?.warnings ?? x.warnings ?? []);
  if (warning) h["x-wayfront-warning"] = warning;
  if (x.charge) Object.assign(h, x.charge.headers);
  return h;
}
