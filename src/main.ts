#!/usr/bin/env bun
// Entry: argv → command. Nothing else lives here.
import pkg from "../package.json" with { type: "json" };
import { parseArgs, USAGE, UsageError } from "./cli/args.ts";
import { ConfigError } from "./config/load.ts";
import type { Args } from "./cli/args.ts";

// One row a command, each loaded only when asked for: `serve` (the long-running one, and what a
// cold start waits for) evaluates none of the other commands' modules.
type Command = (args: Args) => Promise<number>;
const COMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => (await import("./cli/check.ts")).check,
  connect: async () => (await import("./cli/connect.ts")).connect,
  doctor: async () => (await import("./cli/doctor.ts")).doctor,
  cache: async () => (await import("./cli/cache.ts")).cacheCommand,
  keys: async () => (await import("./cli/keys.ts")).keysCommand,
  service: async () => (await import("./cli/service.ts")).serviceCommand,
  init: async () => (await import("./cli/init.ts")).initCommand,
};

async function main(argv: string[]): Promise<number | null> {
  const args = parseArgs(argv);
  if (args.version) return (console.log(`wayfront ${pkg.version}`), 0);
  if (args.help) return (console.log(USAGE), 0);
  const load = COMMANDS[args.command];
  if (load) return await (await load())(args);
  const { serve } = await import("./cli/serve.ts");
  await serve(args, pkg.version);
  return null; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (err) => {
    if (err instanceof UsageError) console.error(`wayfront: ${err.message}\n\n${USAGE}`);
    else if (err instanceof ConfigError) console.error(`wayfront: ${err.message}`);
    else console.error(`wayfront: ${(err as Error)?.message ?? err}`);
    process.exit(2);
  },
);
