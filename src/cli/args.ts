// A tiny argv parser: a command, then --flags (with "=value" or a separate value).
export const USAGE = `wayfront: a self-hosted gateway for OpenAI-compatible clients

Usage:
  wayfront [serve] [options]     run the gateway (default command)
  wayfront check [options]       validate the config and probe each upstream
  wayfront cache stats|clear|prune [options]   the prompt cache: counts, empty it, drop expired/over-cap entries
  wayfront connect [CLIENT]      print set-ups for Codex, the OpenAI SDKs, Aider, Cline, Continue
  wayfront doctor codex          check that the local Codex CLI will reach this gateway
  wayfront --version             print the version

Options:
  --config FILE     TOML config (or env WAYFRONT_CONFIG); without one, the embedded default
  --host HOST       listen address (default 127.0.0.1)
  --port PORT       listen port (default 4141)
  --data-dir DIR    where the SQLite data lives (default: the platform's data directory)
  --url URL         connect/doctor: the gateway URL clients use (default: from host/port)
  --demo            add the built-in fake "wayfront-demo" model (no GPU needed)
  -h, --help        this text
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
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {}

const WITH_VALUE = new Set(["--config", "--host", "--port", "--data-dir", "--url"]);
const COMMANDS = new Set(["serve", "check", "cache", "connect", "doctor"]);

export function parseArgs(argv: string[]): Args {
  const a: Args = { command: "serve", rest: [], demo: false, help: false, version: false };
  let commandSeen = false;
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
    } else if (arg === "--demo") a.demo = true;
    else if (arg === "-h" || arg === "--help") a.help = true;
    else if (arg === "--version" || arg === "-v") a.version = true;
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (!commandSeen && COMMANDS.has(arg)) {
      a.command = arg;
      commandSeen = true;
    } else if (!commandSeen) throw new UsageError(`unknown command ${arg}`);
    else a.rest.push(arg);
  }
  return a;
}
