// The client set-ups the status page shows, for the URL the page was opened at.
import type { Snippet } from "./page.ts";

export function pageSnippets(baseUrl: string): Snippet[] {
  return [
    {
      title: "Codex CLI (~/.codex/config.toml)",
      open: true,
      text: `model_provider = "wayfront"\n\n[model_providers.wayfront]\nname = "Wayfront"\nbase_url = "${baseUrl}"\nenv_key = "WAYFRONT_API_KEY"\nwire_api = "responses"\n\n# then: export WAYFRONT_API_KEY=local`,
    },
    { title: "OpenAI SDKs (Python, Node)", text: `export OPENAI_BASE_URL=${baseUrl}\nexport OPENAI_API_KEY=local` },
  ];
}
