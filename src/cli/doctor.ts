// `wayfront doctor codex`: will the local Codex CLI reach this gateway? Reads the Codex
// config the way Codex resolves it (profile → model_provider → provider block, or the
// built-in "openai" provider with OPENAI_BASE_URL) and names each problem with the line to
// change. Exit 0 when Codex will get through, 1 when something will stop it.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Args } from "./args.ts";
import { configFromArgs } from "./load.ts";
import { exampleModel, gatewayBase } from "./connect.ts";
import { KEY_ENV, PROVIDER_ID, codexSnippet } from "../status/snippets.ts";
import { findLine } from "./toml-lines.ts";
import { sameOrigin } from "./origin.ts";
import { askGateway, claudeSettingsPath, diagnoseClaude, renderClaudeFindings } from "./doctor-claude.ts";
import { probeWayfront, type IsWayfront } from "./probe-wayfront.ts";

async function doctorClaude(args: Args): Promise<number> {
  const config = await configFromArgs(args, process.env);
  const settingsPath = claudeSettingsPath(process.env);
  const file = Bun.file(settingsPath);
  const settingsText = (await file.exists()) ? await file.text() : null;
  const base = gatewayBase(config, args.url);
  const findings = await diagnoseClaude({ env: process.env, settingsPath, settingsText }, base, askGateway);
  process.stdout.write(renderClaudeFindings(findings, base, exampleModel(config)));
  return findings.length === 0 ? 0 : 1;
}

export interface Finding {
  problem: string;
  /** The line as it is now, with its number, when the problem sits on one. */
  at?: { line: number; text: string };
  /** The line (or command) that fixes it. */
  fix: string;
}

export interface CodexSetup {
  configPath: string;
  /** null when the file does not exist. */
  configText: string | null;
  env: Record<string, string | undefined>;
}

/** The gateway's model names, or null when it cannot be reached. */
export type ListModels = (base: string) => Promise<string[] | null>;

type Table = Record<string, unknown>;
const table = (v: unknown): Table | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Table) : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

interface Resolved {
  provider: string;
  providerSection: string | null;
  base: string | undefined;
  baseFrom: "config" | "env";
  keyEnv: string | undefined;
  model: string | undefined;
  modelSection: string | null;
}

function resolve(cfg: Table, setup: CodexSetup, out: Finding[]): Resolved | null {
  const text = setup.configText ?? "";
  const profileName = str(cfg.profile);
  const profile = profileName ? table(table(cfg.profiles)?.[profileName]) : undefined;
  if (profileName && !profile) {
    out.push({
      problem: `profile = "${profileName}" names a profile with no [profiles.${profileName}] section`,
      at: findLine(text, null, "profile") ?? undefined,
      fix: `[profiles.${profileName}]`,
    });
  }
  const provider = str(profile?.model_provider) ?? str(cfg.model_provider) ?? "openai";
  const providerSection = profile?.model_provider ? `profiles.${profileName}` : null;
  const model = str(profile?.model) ?? str(cfg.model);
  const modelSection = profile?.model ? `profiles.${profileName}` : null;
  if (provider === "openai") {
    const base = setup.env.OPENAI_BASE_URL;
    return { provider, providerSection, base, baseFrom: "env", keyEnv: "OPENAI_API_KEY", model, modelSection };
  }
  const p = table(table(cfg.model_providers)?.[provider]);
  if (!p) {
    out.push({
      problem: `model_provider = "${provider}" has no [model_providers.${provider}] section, so Codex uses its built-in "${provider}" provider, not this gateway`,
      at: findLine(text, providerSection, "model_provider") ?? undefined,
      fix: `model_provider = "${PROVIDER_ID}"   (and add the block from \`wayfront connect codex\`)`,
    });
    return null;
  }
  const section = `model_providers.${provider}`;
  const wire = str(p.wire_api);
  if (wire !== undefined && wire !== "responses") {
    out.push({
      problem: `wire_api = "${wire}": Codex talks to custom providers only with the Responses API`,
      at: findLine(text, section, "wire_api") ?? undefined,
      fix: `wire_api = "responses"`,
    });
  }
  const envBase = setup.env.OPENAI_BASE_URL;
  const base = str(p.base_url);
  if (envBase && base !== envBase) {
    out.push({
      problem: `OPENAI_BASE_URL=${envBase} is ignored: model_provider = "${provider}" overrides it with base_url = ${JSON.stringify(base ?? "")}`,
      at: findLine(text, providerSection, "model_provider") ?? undefined,
      fix: `base_url = "${envBase}"   (in [${section}]), or remove model_provider to use the env var`,
    });
  }
  return { provider, providerSection: section, base, baseFrom: "config", keyEnv: str(p.env_key), model, modelSection };
}

function checkBase(r: Resolved, gw: string, setup: CodexSetup, out: Finding[]): boolean {
  const text = setup.configText ?? "";
  const fixLine = r.baseFrom === "env" ? `export OPENAI_BASE_URL=${gw}` : `base_url = "${gw}"`;
  const at = r.baseFrom === "config" ? (findLine(text, r.providerSection, "base_url") ?? undefined) : undefined;
  if (!r.base) {
    const legacy = setup.env.OPENAI_API_BASE;
    const problem =
      r.baseFrom === "env"
        ? legacy
          ? `OPENAI_API_BASE=${legacy} is set, but Codex reads OPENAI_BASE_URL, which is unset: Codex will call api.openai.com`
          : 'model_provider is the built-in "openai" and OPENAI_BASE_URL is unset: Codex will call api.openai.com'
        : `[${r.providerSection}] has no base_url`;
    out.push({ problem, fix: fixLine });
    return false;
  }
  let url: URL;
  try {
    url = new URL(r.base);
  } catch {
    out.push({ problem: `base URL ${JSON.stringify(r.base)} is not a URL`, at, fix: fixLine });
    return false;
  }
  const want = new URL(gw);
  if (!sameOrigin(url, want)) {
    out.push({ problem: `Codex's base URL ${r.base} is not this gateway (${gw})`, at, fix: fixLine });
    return false;
  }
  if (url.pathname.replace(/\/+$/, "") !== "/v1") {
    out.push({ problem: `base URL ${r.base} is missing /v1: Codex would POST ${url.pathname.replace(/\/+$/, "")}/responses`, at, fix: fixLine });
  }
  return true;
}

export interface DiagnoseOptions {
  /** Asked about Codex's own base URL first: a Wayfront there is accepted, whatever port this config names. */
  isWayfront?: IsWayfront;
  /** Told which gateway is checked, when it is not `gw`. */
  note?: (line: string) => void;
}

export async function diagnoseCodex(setup: CodexSetup, configured: string, listModels: ListModels, opts: DiagnoseOptions = {}): Promise<Finding[]> {
  const out: Finding[] = [];
  let gw = configured;
  if (setup.configText === null && !setup.env.OPENAI_BASE_URL) {
    out.push({
      problem: `${setup.configPath} does not exist and OPENAI_BASE_URL is unset: Codex will call api.openai.com`,
      fix: `create it with:\n${codexSnippet(gw, "<model>").text}`,
    });
    return out;
  }
  let cfg: Table = {};
  try {
    cfg = (setup.configText ? Bun.TOML.parse(setup.configText) : {}) as Table;
  } catch (err) {
    out.push({ problem: `${setup.configPath} is not valid TOML: ${(err as Error).message}`, fix: "fix the syntax; Codex will refuse to start" });
    return out;
  }
  const r = resolve(cfg, setup, out);
  if (!r) return out;
  gw = await runningGateway(r.base, gw, opts);
  const reaches = checkBase(r, gw, setup, out);
  if (r.keyEnv && !setup.env[r.keyEnv]) {
    out.push({
      problem: `env_key ${r.keyEnv} is not set in this shell: Codex stops with "Missing environment variable"`,
      fix: `export ${r.keyEnv}=wayfront`,
    });
  }
  if (!reaches) return out;
  const models = await listModels(gw);
  if (models === null) {
    out.push({ problem: `nothing answers at ${gw}/models: is \`wayfront serve\` running there?`, fix: "wayfront serve" });
    return out;
  }
  const text = setup.configText ?? "";
  const served = (m: string) => models.includes(m) || (m.includes("/") && models.includes(m.slice(m.indexOf("/") + 1)));
  const suggestion = models[0] ?? "<model>";
  if (!r.model) {
    out.push({
      problem: "no model is set: Codex would ask for its default OpenAI model, which this gateway does not serve",
      fix: `model = "${suggestion}"`,
    });
  } else if (!served(r.model)) {
    out.push({
      problem: `model "${r.model}" is not served by this gateway (it serves: ${models.slice(0, 10).join(", ") || "nothing yet"})`,
      at: findLine(text, r.modelSection, "model") ?? undefined,
      fix: `model = "${suggestion}"`,
    });
  }
  return out;
}

/** Codex's base URL rebased to /v1 when a Wayfront answers at its origin (another port, another host), else `gw`. */
async function runningGateway(base: string | undefined, gw: string, opts: DiagnoseOptions): Promise<string> {
  if (!base || !opts.isWayfront || !URL.canParse(base) || sameOrigin(new URL(base), new URL(gw))) return gw;
  if (!(await opts.isWayfront(base))) return gw;
  const found = `${new URL(base).origin}/v1`;
  opts.note?.(`note: a Wayfront is answering at Codex's base URL (${new URL(base).origin}), not at ${gw}; checking that one.`);
  return found;
}

export function renderFindings(findings: Finding[], configPath: string): string {
  if (findings.length === 0) return "ok: Codex will reach this gateway.\n";
  return (
    findings
      .map((f) => {
        const where = f.at ? `\n  ${configPath}:${f.at.line}: ${f.at.text}` : "";
        return `problem: ${f.problem}${where}\n  change to: ${f.fix}`;
      })
      .join("\n\n") + "\n"
  );
}

async function fetchModels(base: string): Promise<string[] | null> {
  try {
    const res = await fetch(`${base}/models`, {
      signal: AbortSignal.timeout(3_000),
      headers: { authorization: `Bearer ${process.env[KEY_ENV] ?? "wayfront"}` },
    });
    if (!res.ok) return null;
    const body = (await res.json()) as { data?: { id?: unknown }[] };
    return (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string");
  } catch {
    return null;
  }
}

export async function doctor(args: Args): Promise<number> {
  const client = args.rest[0];
  if (client === "claude-code" || client === "claude") return doctorClaude(args);
  if (client !== "codex") {
    console.error("usage: wayfront doctor codex|claude-code [--url URL]");
    return 2;
  }
  const config = await configFromArgs(args, process.env);
  const home = process.env.CODEX_HOME || join(homedir(), ".codex");
  const configPath = join(home, "config.toml");
  const file = Bun.file(configPath);
  const configText = (await file.exists()) ? await file.text() : null;
  const findings = await diagnoseCodex({ configPath, configText, env: process.env }, gatewayBase(config, args.url), fetchModels, {
    isWayfront: probeWayfront,
    note: (line) => console.log(line),
  });
  process.stdout.write(renderFindings(findings, configPath));
  return findings.length === 0 ? 0 : 1;
}
