// Secrets never leave: an upstream that echoes our key back (in a 200, mid-stream, in an
// error) or that has credentials in its URL must not have them reach a client, the cache or
// a stored conversation. The stage is the first one over every stream, and whole answers go
// through `redactText` before anything else reads them.
import type { UpstreamConfig } from "../config/resolve.ts";
import { includesAscii } from "../protocol/bytes.ts";
import { Batch } from "./frames.ts";
import type { Stage } from "./stream.ts";

export const REDACTED = "[redacted]";
// Shorter strings are too likely to be ordinary text to replace everywhere.
const MIN_SECRET = 6;

// A config is immutable (a reload makes new objects), so its secrets are worked out once.
const known = new WeakMap<UpstreamConfig, string[]>();

/** What of this upstream's configuration must never appear in what a client gets. */
export function secretsOf(u: UpstreamConfig): string[] {
  let s = known.get(u);
  if (!s) {
    s = findSecrets(u);
    known.set(u, s);
  }
  return s;
}

function findSecrets(u: UpstreamConfig): string[] {
  const out: string[] = [];
  const key = u.apiKey?.reveal();
  if (key) out.push(key);
  try {
    const url = new URL(u.baseUrl);
    if (url.password) out.push(decodeURIComponent(url.password), url.password);
  } catch {
    // not a URL we could parse: nothing embedded to find
  }
  return [...new Set(out.filter((s) => s.length >= MIN_SECRET))];
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Null when there is nothing to hide (the common case: no stage at all). */
export function redactStage(secrets: readonly string[]): Stage | null {
  if (secrets.length === 0) return null;
  return {
    name: "redact",
    push(b) {
      // Batches are whole events, so a secret inside one event is inside one batch.
      if (!secrets.some((s) => includesAscii(b.bytes, s))) return { out: b };
      return { out: new Batch(encoder.encode(redactText(decoder.decode(b.bytes), secrets))) };
    },
  };
}
