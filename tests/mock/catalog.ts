// Model listings: OpenAI's and Anthropic's GET /v1/models, and Ollama's native /api/tags and /api/ps
// (which a gateway reads to prefer a model that is already loaded in VRAM).

import type { FlavourQuirks } from "./flavour.ts";

const CREATED = 1700000000;

export function modelList(models: string[], quirks: FlavourQuirks): Record<string, unknown> {
  return {
    object: "list",
    data: models.map((id) => ({ id, object: "model", created: CREATED, owned_by: quirks.ownedBy, ...quirks.modelExtra(id) })),
  };
}

function ollamaModel(name: string) {
  return {
    name,
    model: name,
    size: 4_920_000_000,
    digest: Bun.hash(name).toString(16).padStart(16, "0").repeat(4),
    details: {
      parent_model: "",
      format: "gguf",
      family: "llama",
      families: ["llama"],
      parameter_size: "8.0B",
      quantization_level: "Q4_K_M",
    },
  };
}

export function ollamaTags(models: string[]): Record<string, unknown> {
  return { models: models.map((name) => ({ ...ollamaModel(name), modified_at: "2024-05-01T10:00:00.000000000Z" })) };
}

/** What Ollama's /api/ps says of one loaded model: the context it allocated and its bytes on the GPU. */
export interface PsEntry {
  context_length?: number;
  size?: number;
  size_vram?: number;
}

export function ollamaPs(loaded: string[], ps: Record<string, PsEntry> = {}): Record<string, unknown> {
  const expires = new Date(Date.now() + 5 * 60_000).toISOString();
  return {
    models: loaded.map((name) => ({ ...ollamaModel(name), expires_at: expires, size_vram: 4_920_000_000, context_length: 8192, ...ps[name] })),
  };
}

/** llama.cpp's GET /props (tools/server/README.md): the per-slot n_ctx sits in default_generation_settings. */
export function llamaProps(nCtx: number, model = "model.gguf"): Record<string, unknown> {
  return {
    default_generation_settings: { n_ctx: nCtx, params: { temperature: 0.8, top_p: 0.95 } },
    total_slots: 1,
    model_path: `/models/${model}`,
    chat_template: "{{ messages }}",
    build_info: "b6000-mock0",
  };
}

/** Anthropic's GET /v1/models page (docs.anthropic.com/en/api/models-list): one page, no cursor. */
export function anthropicModelList(models: string[]): Record<string, unknown> {
  const createdAt = new Date(CREATED * 1000).toISOString();
  return {
    data: models.map((id) => ({ type: "model", id, display_name: id, created_at: createdAt })),
    has_more: false,
    first_id: models[0] ?? null,
    last_id: models.at(-1) ?? null,
  };
}
