// What models a server offers, asked once by `wayfront init` before any config exists. The
// URL may be given with or without /v1 (people copy Ollama's root, http://box:11434). Both
// the OpenAI list (GET /v1/models: every OpenAI-compatible server) and Ollama's native
// GET /api/tags are asked: the latter adds each model's size on disk, for picking the largest.
import { transportCause } from "./transport-error.ts";

export interface FoundModel {
  id: string;
  /** Bytes on disk, where the server says (Ollama's /api/tags). */
  bytes?: number;
}

export interface ModelProbe {
  /** The OpenAI-compatible base URL, ending in /v1. */
  baseUrl: string;
  models: FoundModel[];
  /** Why nothing could be listed, or null. */
  error: string | null;
}

type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

export function splitBaseUrl(url: string): { root: string; baseUrl: string } {
  const trimmed = url.replace(/\/+$/, "");
  const root = trimmed.replace(/\/v1$/, "");
  return { root, baseUrl: `${root}/v1` };
}

async function getJson(fetcher: Fetcher, url: string): Promise<{ body: unknown } | { error: string }> {
  try {
    const res = await fetcher(url, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
    if (!res.ok) {
      await res.body?.cancel();
      return { error: `GET ${new URL(url).pathname} answered ${res.status}` };
    }
    return { body: await res.json() };
  } catch (err) {
    return { error: err instanceof SyntaxError ? `GET ${new URL(url).pathname} did not answer JSON` : transportCause(err) };
  }
}

export async function probeModels(url: string, fetcher: Fetcher = (u, i) => fetch(u, i)): Promise<ModelProbe> {
  const { root, baseUrl } = splitBaseUrl(url);
  const [list, tags] = await Promise.all([getJson(fetcher, `${baseUrl}/models`), getJson(fetcher, `${root}/api/tags`)]);
  const sizes = new Map<string, number>();
  const tagged = "body" in tags ? ((tags.body as { models?: { name?: unknown; size?: unknown }[] }).models ?? []) : [];
  for (const m of tagged) if (typeof m?.name === "string") sizes.set(m.name, typeof m.size === "number" ? m.size : 0);
  let ids: string[];
  if ("body" in list) {
    const data = (list.body as { data?: { id?: unknown }[] }).data ?? [];
    ids = data.map((m) => m?.id).filter((id): id is string => typeof id === "string");
  } else if (sizes.size > 0) {
    ids = [...sizes.keys()]; // an Ollama whose /v1 is off or proxied away: its native list still names them
  } else {
    return { baseUrl, models: [], error: list.error };
  }
  return { baseUrl, models: ids.map((id) => (sizes.get(id) ? { id, bytes: sizes.get(id) } : { id })), error: null };
}
