// The x-wayfront-warning header: what a translation had to drop (tools a chat server cannot
// run), said on whichever response carries the answer.
import type { Served } from "../../router/attempt.ts";
import type { RequestTranslation } from "../../protocol/translate/request.ts";

/** What prepare hands back through `Served.prepared.translation`. */
export interface Translated {
  translation: RequestTranslation;
}

export function warningHeader(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  // Header values must be visible ASCII; the warnings are ours, but tool names are not.
  const text = [...new Set(warnings)].join("; ").replace(/[^\x20-\x7e]/g, "?");
  return { "x-wayfront-warning": text.slice(0, 4000) };
}

export function warningsOf(s: Served): Record<string, string> {
  const t = s.prepared.translation as Translated | undefined;
  return t ? warningHeader(t.translation.warnings) : {};
}

/** Adds warnings known before the attempt to a response made anywhere (early stream, cache hit, error). */
export function withWarnings(res: Response, warnings: string[] | null): Response {
  const h = warningHeader(warnings ?? []);
  const value = h["x-wayfront-warning"];
  if (!value || res.headers.has("x-wayfront-warning")) return res;
  try {
    res.headers.set("x-wayfront-warning", value);
    return res;
  } catch {
    // Headers of a Response we did not construct may be immutable: copy it.
    const headers = new Headers(res.headers);
    headers.set("x-wayfront-warning", value);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }
}

