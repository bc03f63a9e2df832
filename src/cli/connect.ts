// `wayfront connect [codex]`: print ready client set-ups for this gateway's URL.
import type { Args } from "./args.ts";
import type { Config } from "../config/resolve.ts";
import { configFromArgs } from "./load.ts";
import { allSnippets, claudeCodeSnippet, clientBaseUrl, codexEnv, codexSnippet, exampleModel, originFor, type Snippet } from "../status/snippets.ts";
export { exampleModel };

/** The URL clients should use: --url, else the configured listen address. */
export function gatewayBase(config: Config, url?: string): string {
  return clientBaseUrl(url ?? originFor(config.server.host, config.server.port));
}

/** A model name to put in snippets: the first alias, else the first static model, else a placeholder. */
export function renderSnippets(snippets: Snippet[]): string {
  return snippets.map((s) => `## ${s.title} (${s.where})\n${s.text}`).join("\n");
}

export function connectText(target: string | undefined, base: string, model: string): string {
  if (target === undefined) return renderSnippets(allSnippets(base, model));
  if (target === "codex") return renderSnippets([codexSnippet(base, model), codexEnv(base)]) + `\nCheck it with: wayfront doctor codex\n`;
  if (target === "claude-code" || target === "claude") {
    return renderSnippets([claudeCodeSnippet(base, model)]) + `\nCheck it with: wayfront doctor claude-code\n`;
  }
  const known = allSnippets(base, model).filter((s) => s.client === target);
  if (known.length === 0) throw new Error(`unknown client ${target}; try one of: codex, claude-code, python, node, env, aider, cline, continue`);
  return renderSnippets(known);
}

export async function connect(args: Args): Promise<number> {
  const config = await configFromArgs(args, process.env);
  console.log(connectText(args.rest[0], gatewayBase(config, args.url), exampleModel(config)));
  return 0;
}
