// Which APIs an upstream speaks natively besides Chat Completions: Responses and Anthropic
// Messages (passed through untouched), or not (translated to chat). Configured per upstream,
// or probed once per API and remembered.
//
// The probe is `POST {base}/responses` (or `/messages`) with `{}`. An empty object is invalid
// for every implementation (no `model`), so a server that has the route rejects it before
// loading or generating anything (OpenAI, Anthropic: 400; vLLM and Ollama: 400/422), while a
// server without the route answers 404 (llama.cpp without it, older Ollama and vLLM) or 405
// (routers that know the path only for other methods). Because no model is named, a 404
// cannot be a "model not found". So:
//   404 / 405 / 501            → does not speak it (remembered)
//   2xx / 400 / 422            → speaks it (remembered)
//   anything else, or no answer (401, 5xx, refused) → unknown: this request is translated
//   (every OpenAI-compatible server speaks chat) and the probe runs again next time.
import type { UpstreamState } from "./registry.ts";
import { authHeaders } from "./registry.ts";

export type Wire = "chat" | "responses" | "messages";

/** The APIs a probe can find; everything else is taken to be spoken (chat, completions, embeddings). */
const PROBED: Record<string, string> = { responses: "/responses", messages: "/messages" };

const PROBE_TIMEOUT_MS = 5_000;

/** Keyed by the registry's state object, so a reloaded config (new states) probes afresh. */
const known = new WeakMap<UpstreamState, Map<string, Promise<boolean | null>>>();

export function judgeProbeStatus(status: number): boolean | null {
  if (status === 404 || status === 405 || status === 501) return false;
  if ((status >= 200 && status < 300) || status === 400 || status === 422) return true;
  return null;
}

async function probe(s: UpstreamState, path: string): Promise<boolean | null> {
  try {
    const res = await s.fetch(`${s.config.baseUrl}${path}`, {
      method: "POST",
      body: "{}",
      // anthropic-version: Anthropic's API answers 400 for the body only when the version is given.
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...authHeaders(s.config) },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      redirect: "manual",
    });
    await res.body?.cancel().catch(() => {});
    return judgeProbeStatus(res.status);
  } catch {
    return null;
  }
}

/** What probing found for one API, shared with concurrent callers; null (unknown) is not remembered. */
export async function probed(s: UpstreamState, api: string): Promise<boolean | null> {
  const path = PROBED[api];
  if (!path) return true;
  let byApi = known.get(s);
  if (!byApi) {
    byApi = new Map();
    known.set(s, byApi);
  }
  let p = byApi.get(api);
  if (!p) {
    p = probe(s, path);
    byApi.set(api, p);
  }
  const found = await p;
  if (found === null && byApi.get(api) === p) byApi.delete(api);
  return found;
}

/** Does this upstream take requests of this protocol as they are (else they are translated)? */
export async function speaks(s: UpstreamState, api: string): Promise<boolean> {
  const wire = s.config.wire;
  if (wire !== "auto") return !PROBED[api] || (wire as string[]).includes(api);
  // Unknown: translate, since every OpenAI-compatible server speaks chat.
  return (await probed(s, api)) === true;
}

/**
 * The wire as `wayfront check` shows it: the configured list ("chat", "chat+messages"), or
 * "auto: " and what the probes found ("chat+responses"), with the APIs no probe could decide
 * named (their requests are translated meanwhile, and the probe runs again).
 */
export async function describeWire(s: UpstreamState): Promise<string> {
  const wire = s.config.wire;
  if (wire !== "auto") return wire.join("+");
  const apis = Object.keys(PROBED);
  const found = await Promise.all(apis.map((api) => probed(s, api)));
  const spoken = ["chat", ...apis.filter((_, i) => found[i] === true)].join("+");
  const unknown = apis.filter((_, i) => found[i] === null);
  if (unknown.length === 0) return `auto: ${spoken}`;
  return `auto: ${spoken}; unknown: ${unknown.join(", ")} (probe decided nothing; translating to chat for now)`;
}
