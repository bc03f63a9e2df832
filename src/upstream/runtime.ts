// What a local server really runs, as opposed to what the model supports: the context window
// it allocated and how much of the model sits in GPU memory. Local servers truncate a longer
// prompt silently, so routing needs the runtime figure (fit.ts), and an operator needs to see
// a model that spilled onto the CPU (it runs several times slower).
// - Ollama: GET /api/ps lists loaded models with `context_length` (what it allocated: 4096 by
//   default on GPUs under 24 GiB), `size` and `size_vram` (docs/api.md "List Running Models").
// - llama.cpp: GET /props has `default_generation_settings.n_ctx` (per slot; older builds put
//   `n_ctx` at top level), one value for the one model the server runs.
// - vLLM: `max_model_len` in /v1/models, read by registry.ts.
import type { UpstreamState } from "./registry.ts";
import { authHeaders } from "./registry.ts";

export interface LoadedModel {
  model: string;
  /** Tokens of context the server allocated; null when it does not say. */
  context: number | null;
  /** Bytes of the loaded model, and how many of them are in GPU memory. */
  size: number | null;
  sizeVram: number | null;
}

/** A server without the endpoint ("absent": don't ask again), or one that did not answer ("failed"). */
export type Read<T> = T | "absent" | "failed";

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

export function parsePs(body: unknown): LoadedModel[] {
  const models = isObj(body) && Array.isArray(body.models) ? body.models : [];
  const out: LoadedModel[] = [];
  for (const m of models) {
    if (!isObj(m)) continue;
    const name = typeof m.name === "string" ? m.name : typeof m.model === "string" ? m.model : null;
    if (!name) continue;
    const context = num(m.context_length);
    out.push({ model: name, context: context || null, size: num(m.size), sizeVram: num(m.size_vram) });
    // Ollama names a model twice (`name` and `model`); they differ only for a tag alias.
    if (typeof m.model === "string" && m.model !== name) out.push({ ...out[out.length - 1], model: m.model });
  }
  return out;
}

export function parseProps(body: unknown): number | null {
  if (!isObj(body)) return null;
  const gen = isObj(body.default_generation_settings) ? body.default_generation_settings : {};
  return num(gen.n_ctx) || num(body.n_ctx) || null;
}

/** Share of the model in GPU memory, and whether part of it runs on the CPU. */
export function gpuShare(m: LoadedModel): { vramPercent: number | null; spills: boolean | null } {
  if (m.size === null || m.sizeVram === null || m.size === 0) return { vramPercent: null, spills: null };
  const pct = Math.min(100, Math.round((100 * m.sizeVram) / m.size));
  return { vramPercent: pct, spills: m.sizeVram < m.size };
}

/** One line for `wayfront check`: "qwen2.5-coder:14b  context 4096  GPU 62% (spills onto the CPU)". */
export function describeLoaded(m: LoadedModel): string {
  const { vramPercent, spills } = gpuShare(m);
  const ctx = m.context === null ? "context ?" : `context ${m.context}`;
  if (vramPercent === null) return `${m.model}  ${ctx}`;
  const gpu = spills ? `GPU ${vramPercent}% (spills onto the CPU: ${100 - vramPercent}% of it runs there, much slower)` : `GPU ${vramPercent}%`;
  return `${m.model}  ${ctx}  ${gpu}`;
}

/** The server's root: its own endpoints (/api/ps, /props, /tokenize) sit beside /v1, not under it. */
export const rootOf = (s: UpstreamState): string => s.config.baseUrl.replace(/\/v1$/, "");

async function readJson(s: UpstreamState, path: string): Promise<Read<unknown>> {
  try {
    const res = await s.fetch(`${rootOf(s)}${path}`, { headers: authHeaders(s.config), signal: AbortSignal.timeout(2_000) });
    if (!res.ok || !(res.headers.get("content-type") ?? "").includes("json")) {
      await res.body?.cancel();
      // A 5xx is a server in trouble, not a server without the endpoint.
      return res.status >= 500 ? "failed" : "absent";
    }
    return await res.json();
  } catch {
    return "failed";
  }
}

export async function readOllamaPs(s: UpstreamState): Promise<Read<LoadedModel[]>> {
  const body = await readJson(s, "/api/ps");
  return body === "absent" || body === "failed" ? body : parsePs(body);
}

export async function readLlamaProps(s: UpstreamState): Promise<Read<number | null>> {
  const body = await readJson(s, "/props");
  return body === "absent" || body === "failed" ? body : parseProps(body);
}
