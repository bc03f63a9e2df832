// `wayfront doctor claude-code`: will Claude Code reach this gateway and be served? Reads
// what Claude Code reads — the shell's environment, with ~/.claude/settings.json's `env`
// applied over it — and asks the gateway itself whether the models it will send route
// (a count_tokens call: 404 for a model nothing serves, and no generation spent). Each
// problem comes with the line that fixes it. Exit 0 when Claude Code will get through.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Finding } from "./doctor.ts";
import { sameOrigin } from "./origin.ts";
import { anthropicBaseUrl, claudeCodeSnippet } from "../status/snippets.ts";

/** Claude Code's own model when ANTHROPIC_MODEL is unset (what 2.1.332 sends). */
export const CLAUDE_DEFAULT_MODEL = "claude-opus-5-5";

/** How the gateway judges one model name: routed, unknown (404), or it could not be asked. */
export type RouteCheck = (origin: string, model: string, token: string | undefined) => Promise<"ok" | "unknown" | "unreachable" | "refused">;

export interface ClaudeSetup {
  env: Record<string, string | undefined>;
  settingsPath: string;
  /** settings.json's text, or null when there is none. */
  settingsText: string | null;
}

/** The environment Claude Code runs with: settings.json's `env` applied over the shell's. */
function effectiveEnv(setup: ClaudeSetup, out: Finding[]): Record<string, string | undefined> {
  if (setup.settingsText === null) return setup.env;
  try {
    const parsed = JSON.parse(setup.settingsText) as { env?: Record<string, unknown> };
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.env ?? {})) if (typeof v === "string") extra[k] = v;
    return { ...setup.env, ...extra };
  } catch (err) {
    out.push({
      problem: `${setup.settingsPath} is not valid JSON: ${(err as Error).message}`,
      fix: "fix the syntax; Claude Code ignores a broken settings file",
    });
    return setup.env;
  }
}

export async function diagnoseClaude(setup: ClaudeSetup, gatewayV1: string, routes: RouteCheck): Promise<Finding[]> {
  const out: Finding[] = [];
  const env = effectiveEnv(setup, out);
  const origin = anthropicBaseUrl(gatewayV1);
  const base = env.ANTHROPIC_BASE_URL;
  if (!base) {
    out.push({
      problem: "ANTHROPIC_BASE_URL is unset: Claude Code will call api.anthropic.com",
      fix: `export ANTHROPIC_BASE_URL=${origin}   (the whole set-up: wayfront connect claude-code)`,
    });
    return out;
  }
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    out.push({ problem: `ANTHROPIC_BASE_URL=${base} is not a URL`, fix: `export ANTHROPIC_BASE_URL=${origin}` });
    return out;
  }
  if (!sameOrigin(url, new URL(origin))) {
    out.push({ problem: `ANTHROPIC_BASE_URL=${base} is not this gateway (${origin})`, fix: `export ANTHROPIC_BASE_URL=${origin}` });
    return out;
  }
  const path = url.pathname.replace(/\/+$/, "");
  if (path !== "") {
    const what = path === "/v1" ? "ends in /v1: Claude Code appends /v1/messages itself, so it would POST /v1/v1/messages" : `has a path (${path})`;
    out.push({ problem: `ANTHROPIC_BASE_URL=${base} ${what}`, fix: `export ANTHROPIC_BASE_URL=${origin}` });
  }
  if (env.ANTHROPIC_AUTH_TOKEN && env.ANTHROPIC_API_KEY) {
    out.push({
      problem: "both ANTHROPIC_AUTH_TOKEN and ANTHROPIC_API_KEY are set: Claude Code sends only one of them, and asks about the other",
      fix: "unset ANTHROPIC_API_KEY",
    });
  }
  const token = env.ANTHROPIC_AUTH_TOKEN ?? env.ANTHROPIC_API_KEY;
  if (!token) {
    out.push({
      problem: "neither ANTHROPIC_AUTH_TOKEN nor ANTHROPIC_API_KEY is set: Claude Code asks you to log in to Anthropic instead",
      fix: "export ANTHROPIC_AUTH_TOKEN=wayfront   (a client key once keys are configured)",
    });
  }
  const main = env.ANTHROPIC_MODEL ?? CLAUDE_DEFAULT_MODEL;
  const small = env.ANTHROPIC_DEFAULT_HAIKU_MODEL ?? env.ANTHROPIC_SMALL_FAST_MODEL;
  const models: [string, string, string][] = [
    [main, "ANTHROPIC_MODEL", env.ANTHROPIC_MODEL ? "" : " (Claude Code's default, as ANTHROPIC_MODEL is unset)"],
  ];
  if (small && small !== main) models.push([small, "ANTHROPIC_DEFAULT_HAIKU_MODEL", ""]);
  for (const [model, variable, note] of models) {
    const verdict = await routes(origin, model, token);
    if (verdict === "unreachable") {
      out.push({ problem: `nothing answers at ${origin}/v1/messages: is \`wayfront serve\` running there?`, fix: "wayfront serve" });
      return out;
    }
    if (verdict === "refused") {
      out.push({
        problem: `the gateway refused the key in ${env.ANTHROPIC_AUTH_TOKEN ? "ANTHROPIC_AUTH_TOKEN" : "ANTHROPIC_API_KEY"}`,
        fix: "wayfront keys create claude-code",
      });
      return out;
    }
    if (verdict === "unknown") {
      out.push({
        problem: `model "${model}"${note} is not served by this gateway: Claude Code would stop with "There's an issue with the selected model"`,
        fix: `export ${variable}=<an alias this gateway serves>, or map it in the config: [models."claude-*"] targets = ["<upstream>/<model>"]`,
      });
    }
  }
  return out;
}

export function renderClaudeFindings(findings: Finding[], gatewayV1: string, model: string): string {
  if (findings.length === 0) return "ok: Claude Code will reach this gateway.\n";
  const body = findings.map((f) => `problem: ${f.problem}\n  change to: ${f.fix}`).join("\n\n");
  return `${body}\n\nThe whole set-up:\n${claudeCodeSnippet(gatewayV1, model).text}`;
}

/** Asks the gateway to count a one-word prompt for `model`: it routes the name the way a real request would. */
export const askGateway: RouteCheck = async (origin, model, token) => {
  try {
    const res = await fetch(`${origin}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      signal: AbortSignal.timeout(5_000),
    });
    await res.body?.cancel().catch(() => {});
    if (res.status === 404) return "unknown";
    if (res.status === 401 || res.status === 403) return "refused";
    return res.ok ? "ok" : "unreachable";
  } catch {
    return "unreachable";
  }
};

export function claudeSettingsPath(env: Record<string, string | undefined>): string {
  return join(env.CLAUDE_CONFIG_DIR || join(homedir(), ".claude"), "settings.json");
}
