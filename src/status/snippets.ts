// Ready-to-paste client set-ups for this gateway, as plain data so `wayfront connect` and
// the status page show the same text. Until client keys exist the gateway accepts any key,
// but most clients refuse to start without one, hence a placeholder variable.

import type { Config } from "../config/resolve.ts";

export const KEY_ENV = "WAYFRONT_API_KEY";
export const PROVIDER_ID = "wayfront";

export interface Snippet {
  client: string;
  title: string;
  /** Where the text goes (a file path or "shell"). */
  where: string;
  text: string;
}

/** The base URL clients need: the gateway's origin plus /v1. */
export function clientBaseUrl(origin: string): string {
  const o = origin.replace(/\/+$/, "");
  return o.endsWith("/v1") ? o : `${o}/v1`;
}

/** The listen address as a URL a local client can dial (0.0.0.0 and :: are not dialable). */
export function originFor(host: string, port: number): string {
  const dial = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `http://${dial}:${port}`;
}

export function codexSnippet(base: string, model: string): Snippet {
  const text = `# ~/.codex/config.toml (or $CODEX_HOME/config.toml)
model = "${model}"
model_provider = "${PROVIDER_ID}"

[model_providers.${PROVIDER_ID}]
name = "Wayfront"
base_url = "${base}"
env_key = "${KEY_ENV}"
# Codex speaks only the Responses API to custom providers; Wayfront translates for chat-only servers.
wire_api = "responses"

# Or keep your default provider and run \`codex --profile ${PROVIDER_ID}\`:
[profiles.${PROVIDER_ID}]
model_provider = "${PROVIDER_ID}"
model = "${model}"
`;
  return { client: "codex", title: "Codex CLI", where: "~/.codex/config.toml", text };
}

export function codexEnv(base: string): Snippet {
  const text = `export ${KEY_ENV}=wayfront   # any value until client keys are configured
# Only if you keep Codex's built-in "openai" provider instead of the block above:
export OPENAI_BASE_URL=${base}
`;
  return { client: "codex", title: "Codex CLI environment", where: "shell", text };
}

/** Claude Code takes the host root: it appends /v1/messages itself, so a base ending in /v1 doubles it. */
export function anthropicBaseUrl(base: string): string {
  return base.replace(/\/+$/, "").replace(/\/v1$/, "");
}

export function claudeCodeSnippet(base: string, model: string): Snippet {
  const text = `export ANTHROPIC_BASE_URL=${anthropicBaseUrl(base)}   # no /v1: Claude Code adds /v1/messages itself
export ANTHROPIC_AUTH_TOKEN=wayfront   # a client key once keys are configured
export ANTHROPIC_MODEL=${model}
export ANTHROPIC_DEFAULT_HAIKU_MODEL=${model}   # the small background model (titles, summaries)
export ANTHROPIC_SMALL_FAST_MODEL=${model}   # its older name, for older Claude Code versions
export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1   # no telemetry or update checks past the gateway
`;
  return { client: "claude-code", title: "Claude Code", where: "shell", text };
}

export function allSnippets(base: string, model: string): Snippet[] {
  return [
    codexSnippet(base, model),
    codexEnv(base),
    claudeCodeSnippet(base, model),
    {
      client: "python",
      title: "OpenAI Python SDK",
      where: "python",
      text: `from openai import OpenAI\nclient = OpenAI(base_url="${base}", api_key="wayfront")\nprint(client.responses.create(model="${model}", input="Hello").output_text)\n`,
    },
    {
      client: "node",
      title: "OpenAI Node SDK",
      where: "javascript",
      text: `import OpenAI from "openai";\nconst client = new OpenAI({ baseURL: "${base}", apiKey: "wayfront" });\nconsole.log((await client.responses.create({ model: "${model}", input: "Hello" })).output_text);\n`,
    },
    {
      client: "env",
      title: "Any OpenAI-compatible tool (environment)",
      where: "shell",
      text: `export OPENAI_BASE_URL=${base}\nexport OPENAI_API_BASE=${base}   # older tools read this one\nexport OPENAI_API_KEY=wayfront\n`,
    },
    {
      client: "aider",
      title: "Aider",
      where: "shell",
      text: `aider --openai-api-base ${base} --openai-api-key wayfront --model openai/${model}\n`,
    },
    {
      client: "cline",
      title: "Cline (VS Code)",
      where: "Cline settings",
      text: `API Provider: OpenAI Compatible\nBase URL: ${base}\nAPI Key: wayfront\nModel ID: ${model}\n`,
    },
    {
      client: "continue",
      title: "Continue",
      where: "~/.continue/config.yaml",
      text: `models:\n  - name: ${model} via Wayfront\n    provider: openai\n    model: ${model}\n    apiBase: ${base}\n    apiKey: wayfront\n`,
    },
  ];
}

/** A model name to show in snippets: the first alias, else a configured model. */
export function exampleModel(config: Config): string {
  const alias = [...config.aliases.keys()].find((n) => n !== "*");
  return alias ?? config.upstreams.flatMap((u) => u.staticModels)[0] ?? "your-model";
}
