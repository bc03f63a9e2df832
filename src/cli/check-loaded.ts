// `wayfront check`'s lines about what each local server runs now: every loaded model's
// context window and GPU share (Ollama's /api/ps), or llama.cpp's one n_ctx (/props).
import type { Registry } from "../upstream/registry.ts";
import { describeLoaded, gpuShare, readLlamaProps, readOllamaPs } from "../upstream/runtime.ts";

export async function loadedLines(registry: Registry): Promise<string[]> {
  const local = registry.list.filter((s) => s.config.tier === "local" && !s.config.demo && s.lastError === null);
  const per = await Promise.all(local.map(async (s) => linesOf(s.config.name, await readOllamaPs(s), () => readLlamaProps(s))));
  return per.flat();
}

async function linesOf(
  name: string,
  ps: Awaited<ReturnType<typeof readOllamaPs>>,
  props: () => ReturnType<typeof readLlamaProps>,
): Promise<string[]> {
  if (Array.isArray(ps)) {
    if (ps.length === 0) return [`loaded on ${name}: none (Ollama loads a model on its first request)`];
    const lines = ps.map((m) => `loaded on ${name}: ${describeLoaded(m)}`);
    if (ps.some((m) => gpuShare(m).spills)) {
      lines.push(`warning: a model on ${name} does not fit in GPU memory; a smaller quantisation or context (num_ctx) keeps it on the GPU`);
    }
    return lines;
  }
  const ctx = await props();
  if (typeof ctx === "number") return [`context on ${name}: ${ctx} tokens per request (llama.cpp n_ctx per slot)`];
  return [];
}
