// Which context window a target really has, where that figure comes from, and how to raise
// it. The configured model_info wins (the operator said so); then what the server runs now
// (Ollama's /api/ps, llama.cpp's /props), then what its /models reports (vLLM's max_model_len,
// itself a runtime setting). A runtime figure is used only while the server reports it: an
// Ollama model that unloaded may come back with another num_ctx, so a remembered value could
// keep a request off a server that was given more context since.
import type { UpstreamState } from "./registry.ts";

export type WindowSource = "config" | "ollama" | "llamacpp" | "reported";

export interface ContextWindow {
  tokens: number;
  source: WindowSource;
}

export function contextWindowOf(s: UpstreamState, model: string): ContextWindow | null {
  const configured = s.config.modelInfo.get(model)?.contextWindow;
  if (configured) return { tokens: configured, source: "config" };
  const ollama = s.runtime.get(model);
  if (ollama) return { tokens: ollama, source: "ollama" };
  if (s.serverContext) return { tokens: s.serverContext, source: "llamacpp" };
  const reported = s.reported.get(model)?.contextWindow;
  return reported ? { tokens: reported, source: "reported" } : null;
}

/** A context size worth suggesting: the next power of two that holds the request, at least 8192. */
export function suggestedWindow(needed: number): number {
  let n = 8192;
  while (n < needed) n *= 2;
  return n;
}

/** Where the figure comes from, in words, for a skip reason. */
export function describeSource(w: ContextWindow): string {
  if (w.source === "config") return "model_info.context_window";
  if (w.source === "ollama") return "Ollama runs it with context_length";
  if (w.source === "llamacpp") return "llama.cpp runs with n_ctx";
  return "its /models reports";
}

/** How to give this target a larger window, naming the server's own setting. */
export function raiseHint(upstream: string, model: string, w: ContextWindow, needed: number): string {
  const n = suggestedWindow(needed);
  if (w.source === "ollama") {
    return `start Ollama with OLLAMA_CONTEXT_LENGTH=${n} (or set num_ctx ${n} in the model's Modelfile), then load ${model} again`;
  }
  if (w.source === "llamacpp") return `restart llama-server with --ctx-size ${n} (-c ${n}; divided among --parallel slots)`;
  if (w.source === "reported") return `on vLLM, restart with --max-model-len ${n} (the model must support it)`;
  return `raise [upstream.model_info."${model}"] context_window on upstream ${upstream} if the server runs more`;
}
