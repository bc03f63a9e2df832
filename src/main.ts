#!/usr/bin/env bun
// Entry: argv → command. Nothing else lives here.
import pkg from "../package.json" with { type: "json" };
import { parseArgs, USAGE, UsageError } from "./cli/args.ts";
import { ConfigError } from "./config/load.ts";
import { serve } from "./cli/serve.ts";
import { check } from "./cli/check.ts";
import { connect } from "./cli/connect.ts";
import { doctor } from "./cli/doctor.ts";
import { cacheCommand } from "./cli/cache.ts";
import { keysCommand } from "./cli/keys.ts";
import { serviceCommand } from "./cli/service.ts";
import { initCommand } from "./cli/init.ts";

async function main(argv: string[]): Promise<number | null> {
  const args = parseArgs(argv);
  if (args.version) return (console.log(`wayfront ${pkg.version}`), 0);
  if (args.help) return (console.log(USAGE), 0);
  if (args.command === "check") return await check(args);
  if (args.command === "connect") return await connect(args);
  if (args.command === "doctor") return await doctor(args);
  if (args.command === "cache") return await cacheCommand(args);
  if (args.command === "keys") return await keysCommand(args);
  if (args.command === "service") return await serviceCommand(args);
  if (args.command === "init") return await initCommand(args);
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
