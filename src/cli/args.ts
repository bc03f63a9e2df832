// A tiny argv parser: a command, then --flags (with "=value" or a separate value).
export const USAGE = `wayfront: a self-hosted gateway for OpenAI-compatible clients

Usage:
  wayfront [serve] [options]     run the gateway (default command)
  wayfront check [options]       validate the config and probe each upstream
  wayfront cache stats|clear|prune [options]   the prompt cache: counts, empty it, drop expired/over-cap entries
  wayfront keys create|list|revoke|rotate [options]   client keys (see "Keys:" below)
  wayfront connect [CLIENT]      print set-ups for Codex, Claude Code, the OpenAI SDKs, Aider, Cline, Continue
  wayfront doctor codex          check that the local Codex CLI will reach this gateway
  wayfront doctor claude-code    check that Claude Code (its environment) will reach this gateway
  wayfront init [--gpu URL] [--cloud openai|anthropic] [--out FILE] [--force]
                                 write a commented starter config (default ./wayfront.toml) from the GPU box's models
  wayfront service install|uninstall|status [--user] [--dry-run]
                                 run as a systemd service (Linux) or launchd job (macOS); --dry-run prints it
  wayfront --version             print the version

Options:
  --config FILE     TOML config (or env WAYFRONT_CONFIG); without one: ./wayfront.toml, then
                    ~/.config/wayfront/config.toml, then /etc/wayfront/config.toml, else the embedded default
  --host HOST       listen address (default 127.0.0.1)
  --port PORT       listen port (default 4141)
  --data-dir DIR    where the SQLite data lives (default: the platform's data directory)
  --url URL         connect/doctor: the gateway URL clients use (default: from host/port)
  --demo            add the built-in fake "wayfront-demo" model (no GPU needed)
  --allow-open      serve: listen beyond loopback with a cloud upstream and no client keys
  -h, --help        this text

Keys (the key is printed once, at create/rotate; only its hash is stored):
  wayfront keys create --name NAME [--models a,b] [--rpm N] [--tpm N] [--streams N] [--daily-budget USD]
                       [--expires 30d] [--admin] [--shared]
  wayfront keys list             every key: prefix, limits, created, expires, last used, status
  wayfront keys revoke NAME      stop a key at once
  wayfront keys rotate NAME      a new key for NAME, same settings; the old one stops at once
`;

export interface Args {
  command: string;
  rest: string[];
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  url?: string;
  demo: boolean;
  /** serve: start even though anyone on the network could spend the cloud key. */
  allowOpen?: boolean;
  help: boolean;
  version: boolean;
  /** `service` only: a per-user unit instead of a system one; print instead of install. */
  service?: { user?: boolean; dryRun?: boolean };
  /** `keys create` only: raw values, checked by cli/keys.ts. */
  keys?: KeyFlags;
  /** `init` only. */
  init?: InitFlags;
}

export interface InitFlags {
  gpu?: string;
  cloud?: string;
  out?: string;
  force?: boolean;
}

export interface KeyFlags {
  name?: string;
  models?: string;
  rpm?: string;
  streams?: string;
  tpm?: string;
  dailyBudget?: string;
  expires?: string;
  admin?: boolean;
  shared?: boolean;
}

export class UsageError extends Error {}

const WITH_VALUE = new Set(["--config", "--host", "--port", "--data-dir", "--url"]);
const COMMANDS = new Set(["serve", "check", "cache", "connect", "doctor", "keys", "init", "service"]);
const INIT_VALUE_FLAGS: Record<string, Exclude<keyof InitFlags, "force">> = { "--gpu": "gpu", "--cloud": "cloud", "--out": "out" };
const KEY_VALUE_FLAGS: Record<string, Exclude<keyof KeyFlags, "admin" | "shared">> = {
  "--name": "name",
  "--models": "models",
  "--rpm": "rpm",
  "--tpm": "tpm",
  "--daily-budget": "dailyBudget",
  "--streams": "streams",
  "--expires": "expires",
};
const KEY_BOOL_FLAGS: Record<string, "admin" | "shared"> = { "--admin": "admin", "--shared": "shared" };

export function parseArgs(argv: string[]): Args {
  const a: Args = { command: "serve", rest: [], demo: false, help: false, version: false };
  let commandSeen = false;
  const keyFlagsSeen: string[] = [];
  const initFlagsSeen: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (WITH_VALUE.has(arg)) {
      value ??= argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (arg === "--config") a.config = value;
      else if (arg === "--host") a.host = value;
      else if (arg === "--data-dir") a.dataDir = value;
      else if (arg === "--url") a.url = value;
      else {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got ${value}`);
        a.port = port;
      }
    } else if (Object.hasOwn(KEY_VALUE_FLAGS, arg)) {
      // No key option's value starts with "--": `--name --admin` is a missing name, not "--admin".
      if (value === undefined && !argv[i + 1]?.startsWith("--")) value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      a.keys = { ...a.keys, [KEY_VALUE_FLAGS[arg]]: value };
      keyFlagsSeen.push(arg);
    } else if (Object.hasOwn(KEY_BOOL_FLAGS, arg)) {
      if (value !== undefined) throw new UsageError(`${arg} takes no value`);
      a.keys = { ...a.keys, [KEY_BOOL_FLAGS[arg]]: true };
      keyFlagsSeen.push(arg);
    } else if (Object.hasOwn(INIT_VALUE_FLAGS, arg)) {
      value ??= argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      a.init = { ...a.init, [INIT_VALUE_FLAGS[arg]]: value };
      initFlagsSeen.push(arg);
    } else if (arg === "--force") {
      a.init = { ...a.init, force: true };
      initFlagsSeen.push(arg);
    } else if (arg === "--user" || arg === "--dry-run") {
      a.service = { ...a.service, [arg === "--user" ? "user" : "dryRun"]: true };
    } else if (arg === "--demo") a.demo = true;
    else if (arg === "--allow-open") a.allowOpen = true;
    else if (arg === "-h" || arg === "--help") a.help = true;
    else if (arg === "--version" || arg === "-v") a.version = true;
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (!commandSeen && COMMANDS.has(arg)) {
      a.command = arg;
      commandSeen = true;
    } else if (!commandSeen) throw new UsageError(`unknown command ${arg}`);
    else a.rest.push(arg);
  }
  if (keyFlagsSeen.length > 0 && a.command !== "keys") throw new UsageError(`${keyFlagsSeen[0]} is an option of \`wayfront keys create\``);
  if (initFlagsSeen.length > 0 && a.command !== "init") throw new UsageError(`${initFlagsSeen[0]} is an option of \`wayfront init\``);
  if (a.service && a.command !== "service") throw new UsageError(`${a.service.user ? "--user" : "--dry-run"} is an option of \`wayfront service\``);
  return a;
}
