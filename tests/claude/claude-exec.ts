// Run the real Claude Code CLI (`claude -p`, the npm package's native binary) headless against
// an Anthropic Messages endpoint, in a throw-away working directory with a throw-away HOME, XDG
// dirs, CLAUDE_CONFIG_DIR and TMPDIR, so no user config is read and nothing is written outside
// one temp dir. The environment is built from nothing: no ANTHROPIC_* or proxy variable of the
// caller's can redirect it, and every non-essential request (updates, telemetry) is off.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BoundedRun, runBounded } from "../helpers/bounded-run.ts";

export const CLAUDE_BIN = new URL("../../node_modules/.bin/claude", import.meta.url).pathname;

export type ClaudeRun = BoundedRun;

export interface ClaudeExecOptions {
  /** The host root: Claude appends /v1/messages itself (a URL ending in /v1 gives /v1/v1/messages). */
  baseUrl: string;
  /** Sent as `x-api-key`. */
  apiKey?: string;
  /** Sent as `Authorization: Bearer`; Claude sends one or the other, never both. */
  authToken?: string;
  model?: string;
  smallModel?: string;
  prompt: string;
  /** Tools that run without a permission prompt (headless runs can't answer one); default Bash. */
  allowedTools?: string[];
  timeoutMs: number;
  /** Added last, so a test can switch on e.g. CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK. */
  env?: Record<string, string>;
  /**
   * A directory the caller owns (and removes), for runs that must look the same to the
   * gateway (the same working directory and HOME are in Claude's prompt). Default: a fresh
   * one per run, removed after it.
   */
  root?: string;
}

function claudeEnv(opts: ClaudeExecOptions, root: string): Record<string, string> {
  const home = join(root, "home");
  const dirs = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    CLAUDE_CONFIG_DIR: join(home, ".claude"),
    // Claude's Bash tool keeps its shell snapshots and cwd files under the temp dir.
    TMPDIR: join(root, "tmp"),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...dirs,
    ANTHROPIC_BASE_URL: opts.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    // Claude Code runs its own retry loop (the SDK's stays at 0); one retry keeps a broken
    // endpoint's test short while still showing the retry.
    CLAUDE_CODE_MAX_RETRIES: "1",
    NO_COLOR: "1",
  };
  if (opts.apiKey !== undefined) env.ANTHROPIC_API_KEY = opts.apiKey;
  if (opts.authToken !== undefined) env.ANTHROPIC_AUTH_TOKEN = opts.authToken;
  if (opts.model !== undefined) env.ANTHROPIC_MODEL = opts.model;
  if (opts.smallModel !== undefined) {
    // The older name and the current one for the background (haiku-class) model.
    env.ANTHROPIC_SMALL_FAST_MODEL = opts.smallModel;
    env.ANTHROPIC_DEFAULT_HAIKU_MODEL = opts.smallModel;
  }
  return { ...env, ...opts.env };
}

export async function claudeExec(opts: ClaudeExecOptions): Promise<ClaudeRun> {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), "wayfront-claude-"));
  const work = join(root, "work");
  mkdirSync(work, { recursive: true });
  const env = claudeEnv(opts, root);
  const args = [CLAUDE_BIN, "-p", opts.prompt, "--allowedTools", ...(opts.allowedTools ?? ["Bash"])];
  try {
    return await runBounded(args, { cwd: work, env, timeoutMs: opts.timeoutMs });
  } finally {
    if (!opts.root) rmSync(root, { recursive: true, force: true });
  }
}
