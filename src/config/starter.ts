// The commented starter config `wayfront init` writes: the GPU box as the local upstream,
// optionally one cloud, and aliases for the names coding agents ask for, all pointing at the
// best-looking local coder model. Pure text; the caller validates it with the real loader.

export type Cloud = "openai" | "anthropic";
export const CLOUDS: readonly Cloud[] = ["openai", "anthropic"];

export interface StarterInput {
  /** The GPU box's OpenAI-compatible base URL (ending in /v1). */
  gpuUrl: string;
  models: { id: string; bytes?: number }[];
  /** Why the GPU box could not be asked for its models, or null. */
  probeError: string | null;
  cloud: Cloud | null;
}

/** Used when the box could not be asked: a common coder model, to be replaced. */
export const PLACEHOLDER_MODEL = "qwen2.5-coder:14b";

// Embedding and reranking models cannot answer a chat; never propose one to an agent.
const NOT_CHAT = /embed|rerank|bge-|minilm/i;

/** "qwen2.5-coder:14b" → 14, "Qwen2.5-Coder-32B-Instruct" → 32: parameters in billions, from the name. */
export function paramsOf(id: string): number {
  const m = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])/i.exec(id);
  return m ? Number(m[1]) : 0;
}

/** The model to send coding agents to: a name containing "coder" first, then the largest (size on disk, then parameters). */
export function pickCoder(models: StarterInput["models"]): string | null {
  const chat = models.filter((m) => !NOT_CHAT.test(m.id));
  const score = (m: StarterInput["models"][number]) => [/coder/i.test(m.id) ? 1 : 0, m.bytes ?? 0, paramsOf(m.id)];
  const best = chat.toSorted((a, b) => {
    const [x, y] = [score(a), score(b)];
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
  })[0];
  return best?.id ?? null;
}

const q = (s: string) => JSON.stringify(s); // a JSON string is a valid TOML basic string

const CLOUD_BLOCKS: Record<Cloud, { upstream: string; codex?: string; claude?: string }> = {
  openai: {
    upstream: `[[upstream]]
name = "openai"
base_url = "https://api.openai.com/v1"
api_key_env = "OPENAI_API_KEY"   # the variable holding your real key (the key never goes in this file);
                                 # if the shell running Wayfront also sets OPENAI_API_KEY=local for SDKs, name another one
tier = "cloud"
`,
    codex: "openai/gpt-5.2-codex",
  },
  anthropic: {
    upstream: `[[upstream]]
name = "anthropic"
base_url = "https://api.anthropic.com/v1"
api_key_env = "ANTHROPIC_API_KEY" # the variable holding your real key (the key never goes in this file)
api_key_header = "x-api-key"      # Anthropic takes its key only in this header
wire = ["messages"]               # it speaks the Messages API, not OpenAI's
tier = "cloud"
`,
    claude: "anthropic/claude-sonnet-4-5",
  },
};

function gpuComment(i: StarterInput, model: string): string {
  if (i.probeError) {
    return `# Could not ask ${i.gpuUrl} for its models (${i.probeError}).\n# Start it, then put a model it serves in the targets below (they say ${q(model)} for now).\n`;
  }
  if (i.models.length === 0) return `# ${i.gpuUrl} lists no models yet (Ollama: \`ollama pull ${PLACEHOLDER_MODEL}\`).\n`;
  const shown = i.models.slice(0, 12).map((m) => m.id);
  const more = i.models.length > shown.length ? `, … (${i.models.length} in all)` : "";
  return `# Found on it: ${shown.join(", ")}${more}.\n`;
}

function alias(name: string, why: string, targets: string[]): string {
  return `# ${why}\n[models.${q(name)}]\ntargets = [${targets.map(q).join(", ")}]\n`;
}

export function starterConfig(i: StarterInput): string {
  const model = pickCoder(i.models) ?? PLACEHOLDER_MODEL;
  const local = `gpu/${model}`;
  const cloud = i.cloud ? CLOUD_BLOCKS[i.cloud] : null;
  const parts = [
    `# Wayfront starter config, written by \`wayfront init\`.
# Check it: wayfront check --config <this file>    Run it: wayfront serve --config <this file>
# Every key and its default: config.example.toml, and "Configuration" in the README.
# Relative paths (data_dir, tls files) are read from this file's folder.

[server]
host = "127.0.0.1"   # this machine only; to serve the LAN use "0.0.0.0" and create client keys (wayfront keys create)
port = 4141
`,
    `${gpuComment(i, model)}[[upstream]]
name = "gpu"
base_url = ${q(i.gpuUrl)}
tier = "local"
# max_concurrency = 1   # one GPU: queue requests beyond this many at once (0 = unlimited)
`,
    cloud?.upstream,
    alias(
      "gpt-5.2-codex",
      `Codex CLI asks for OpenAI names like this one: run it on ${model}${cloud?.codex ? ", the cloud only when the GPU cannot" : ""}.`,
      [local, ...(cloud?.codex ? [cloud.codex] : [])],
    ),
    alias("claude-*", `Claude Code asks for "claude-…" names (its main model and a small background one): every one of them.`, [
      local,
      ...(cloud?.claude ? [cloud.claude] : []),
    ]),
  ];
  return parts.filter(Boolean).join("\n");
}
