// Which API an upstream speaks natively: Responses (pass through untouched) or only Chat
// Completions (translate). Configured per upstream, or probed once and remembered.
//
// The probe is `POST {base}/responses` with `{}`. An empty object is invalid for every
// Responses implementation (no `model`), so a server that has the route rejects it before
// loading or generating anything (OpenAI: 400 "Missing required parameter: 'model'"; vLLM
// and Ollama: 400/422), while a server without the route answers 404 (llama.cpp, older
// Ollama and vLLM) or 405 (routers that know the path only for other methods). Because no
// model is named, a 404 cannot be a "model not found". So:
//   404 / 405 / 501            → chat only (remembered)
//   2xx / 400 / 422            → speaks Responses (remembered)
//   anything else, or no answer (401, 5xx, refused) → unknown: this request is translated
//   (every OpenAI-compatible server speaks chat) and the probe runs again next time.
import type { UpstreamState } from "./registry.ts";
import { authHeaders } from "./registry.ts";

export type Wire = "chat" | "responses";

const PROBE_TIMEOUT_MS = 5_000;

/** Keyed by the registry's state object, so a reloaded config (new states) probes afresh. */
const known = new WeakMap<UpstreamState, Promise<Wire | null>>();

export function judgeProbeStatus(status: number): Wire | null {
  if (status === 404 || status === 405 || status === 501) return "chat";
  if ((status >= 200 && status < 300) || status === 400 || status === 422) return "responses";
  return null;
}

async function probe(s: UpstreamState): Promise<Wire | null> {
  try {
    const res = await s.fetch(`${s.config.baseUrl}/responses`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json", ...authHeaders(s.config) },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      redirect: "manual",
    });
    await res.body?.cancel().catch(() => {});
    return judgeProbeStatus(res.status);
  } catch {
    return null;
  }
}

/** What probing found, shared with concurrent callers; null (unknown) is not remembered. */
export async function probedWire(s: UpstreamState): Promise<Wire | null> {
  let p = known.get(s);
  if (!p) {
    p = probe(s);
    known.set(s, p);
  }
  const found = await p;
  if (found === null && known.get(s) === p) known.delete(s);
  return found;
}

/** Does this upstream take a Responses request as is? Concurrent callers share one probe. */
export async function upstreamWire(s: UpstreamState): Promise<Wire> {
  const wire = s.config.wire;
  if (wire !== "auto") return wire.includes("responses") ? "responses" : "chat";
  // Unknown: translate, since every OpenAI-compatible server speaks chat.
  return (await probedWire(s)) ?? "chat";
}

/**
 * The wire as `wayfront check` shows it: the configured list ("chat", "chat+responses"), or
 * "auto: " and what the probe found ("chat", "chat+responses", or "unknown" when it decided
 * nothing; requests are then translated and the probe runs again).
 */
export async function describeWire(s: UpstreamState): Promise<string> {
  const wire = s.config.wire;
  if (wire !== "auto") return wire.join("+");
  const found = await probedWire(s);
  if (found === null) return "auto: unknown (probe decided nothing; translating to chat for now)";
  return `auto: ${found === "responses" ? "chat+responses" : "chat"}`;
}

/** Does this upstream take requests of this protocol as they are (else they are translated)? */
export async function speaks(s: UpstreamState, api: string): Promise<boolean> {
  return (await upstreamWire(s)) === api;
}
