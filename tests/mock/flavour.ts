// The small differences between OpenAI-compatible servers that a gateway trips over.
// Each field cites the server behaviour it copies; the chat builders read only this table.

export type Flavour = "openai" | "ollama" | "llamacpp" | "vllm" | "anthropic";

export interface FlavourQuirks {
  completionId(): string;
  /** Fields every chat completion and chunk carries at top level. */
  top: Record<string, unknown>;
  /** Fields every choice carries besides index/delta/finish_reason. */
  choiceExtra: Record<string, unknown>;
  /** llama.cpp sends `content: null` in its role-only first delta; the others send "". */
  roleContent: "" | null;
  /** Ollama repeats `role: "assistant"` in every delta, not only the first. */
  roleInEveryDelta: boolean;
  /** Ollama's /v1 API puts reasoning inside the content as <think>…</think>. */
  thinkInContent: boolean;
  /** OpenAI sends `"usage": null` on every chunk once include_usage is asked for. */
  usageNullOnChunks: boolean;
  /** Extra top-level fields on the last chunk / the full completion (llama.cpp `timings`). */
  finalExtra(promptTokens: number, completionTokens: number): Record<string, unknown>;
  /** Extra fields on each /v1/models entry. */
  modelExtra(id: string): Record<string, unknown>;
  ownedBy: string;
  /**
   * Anthropic's API: `x-api-key` auth, `{"type":"error",…}` error bodies, its own /v1/models
   * list shape and a required `anthropic-version` header (docs.anthropic.com/en/api/errors, /versioning).
   */
  anthropicSurface: boolean;
}

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export function randomId(length: number, alphabet = ALNUM): string {
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

const none = () => ({});

const QUIRKS: Record<Flavour, FlavourQuirks> = {
  openai: {
    completionId: () => `chatcmpl-${randomId(29)}`,
    top: { service_tier: "default", system_fingerprint: "fp_mock0openai" },
    choiceExtra: { logprobs: null },
    roleContent: "",
    roleInEveryDelta: false,
    thinkInContent: false,
    usageNullOnChunks: true,
    finalExtra: none,
    modelExtra: none,
    ownedBy: "system",
    anthropicSurface: false,
  },
  ollama: {
    // Ollama numbers its completions: "chatcmpl-123".
    completionId: () => `chatcmpl-${Math.floor(Math.random() * 1000)}`,
    top: { system_fingerprint: "fp_ollama" },
    choiceExtra: {},
    roleContent: "",
    roleInEveryDelta: true,
    thinkInContent: true,
    usageNullOnChunks: false,
    finalExtra: none,
    modelExtra: none,
    ownedBy: "library",
    anthropicSurface: false,
  },
  llamacpp: {
    completionId: () => `chatcmpl-${randomId(32)}`,
    top: { system_fingerprint: "b6000-mock0" },
    choiceExtra: {},
    roleContent: null,
    roleInEveryDelta: false,
    thinkInContent: false,
    usageNullOnChunks: false,
    // llama.cpp server attaches its own timing report to the final chunk and full answer.
    finalExtra: (p, c) => ({
      timings: {
        prompt_n: p,
        prompt_ms: p * 0.5,
        prompt_per_token_ms: 0.5,
        prompt_per_second: 2000,
        predicted_n: c,
        predicted_ms: c * 10,
        predicted_per_token_ms: 10,
        predicted_per_second: 100,
      },
    }),
    modelExtra: () => ({ meta: { vocab_type: 2, n_vocab: 32000, n_ctx_train: 8192, n_embd: 4096, n_params: 8e9, size: 4.9e9 } }),
    ownedBy: "llamacpp",
    anthropicSurface: false,
  },
  vllm: {
    completionId: () => `chatcmpl-${randomId(32, "0123456789abcdef")}`,
    top: {},
    // vLLM reports which stop string/token ended generation; null for EOS.
    choiceExtra: { logprobs: null, stop_reason: null },
    roleContent: "",
    roleInEveryDelta: false,
    thinkInContent: false,
    usageNullOnChunks: false,
    finalExtra: none,
    modelExtra: (id) => ({ root: id, parent: null, max_model_len: 32768, permission: [] }),
    ownedBy: "vllm",
    anthropicSurface: false,
  },
  // Anthropic's OpenAI-compatibility chat endpoint answers like OpenAI; its own surface differs.
  anthropic: {
    completionId: () => `chatcmpl-${randomId(29)}`,
    top: {},
    choiceExtra: {},
    roleContent: "",
    roleInEveryDelta: false,
    thinkInContent: false,
    usageNullOnChunks: false,
    finalExtra: none,
    modelExtra: none,
    ownedBy: "anthropic",
    anthropicSurface: true,
  },
};

export function quirksOf(flavour: Flavour): FlavourQuirks {
  return QUIRKS[flavour];
}
