// Run the real Codex CLI (`codex exec`, the npm package's native binary) against a gateway,
// with a throw-away CODEX_HOME and HOME so nothing from the developer's own set-up leaks in and
// nothing is written outside temp dirs. Everything Codex needs is on 127.0.0.1; the rest
// (update check, analytics, plugin sync) is switched off in the config so it doesn't reach for the network.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BoundedRun, runBounded } from "../helpers/bounded-run.ts";

/** The launcher npm installs; it picks the platform package's binary and forwards signals. */
export const CODEX_BIN = new URL("../../node_modules/.bin/codex", import.meta.url).pathname;

export type CodexRun = BoundedRun;

/** config.toml for a custom provider at `baseUrl` (the gateway's /v1 URL). */
export function codexConfig(baseUrl: string, model: string): string {
  return [
    `model = "${model}"`,
    `model_provider = "wayfront"`,
    // Both reach for OpenAI's servers; off so a run needs nothing but the gateway.
    `check_for_update_on_startup = false`,
    ``,
    `[analytics]`,
    `enabled = false`,
    ``,
    // The curated-plugin sync at start-up fetches from GitHub and chatgpt.com (seen with strace:
    // a DNS lookup of api.github.com); with these off the only socket Codex opens is the gateway's.
    `[features]`,
    `plugins = false`,
    `remote_plugin = false`,
    // Otherwise an unreachable gateway means "Reconnecting... waiting for network" forever.
    `unbounded_connection_retries = false`,
    ``,
    `[model_providers.wayfront]`,
    `name = "Wayfront"`,
    `base_url = "${baseUrl}"`,
    `env_key = "WAYFRONT_API_KEY"`,
    `wire_api = "responses"`,
    // A broken gateway should fail the test quickly, not after Codex's default retry budget.
    `request_max_retries = 0`,
    `stream_max_retries = 0`,
    ``,
  ].join("\n");
}

export async function codexExec(opts: {
  baseUrl: string;
  model: string;
  prompt: string;
  timeoutMs: number;
  extraArgs?: string[];
  /** Reuse one set of folders (same working directory, so the same environment context). */
  root?: string;
}): Promise<CodexRun> {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), "wayfront-codex-"));
  const home = join(root, "home");
  const codexHome = join(root, "codex-home");
  const work = join(root, "work");
  for (const dir of [home, codexHome, work]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(codexHome, "config.toml"), codexConfig(opts.baseUrl, opts.model));
  const args = [
    CODEX_BIN,
    "exec",
    // Fail on a misspelt key above instead of silently keeping the network default.
    "--strict-config",
    "--skip-git-repo-check",
    "--ephemeral",
    "--color",
    "never",
    "-C",
    work,
    ...(opts.extraArgs ?? []),
    opts.prompt,
  ];
  // A minimal env: no OPENAI_* or proxy settings from the caller can redirect Codex.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    CODEX_HOME: codexHome,
    WAYFRONT_API_KEY: "local",
    NO_COLOR: "1",
  };
  try {
    return await runBounded(args, { cwd: work, env, timeoutMs: opts.timeoutMs });
  } finally {
    if (!opts.root) rmSync(root, { recursive: true, force: true });
  }
}
