// Flags + env + file → Config, shared by every subcommand.
import type { Args } from "./args.ts";
import { loadConfigFile } from "../config/load.ts";
import { resolveConfig, type Config } from "../config/resolve.ts";

export async function configFromArgs(args: Args, env: Record<string, string | undefined>): Promise<Config> {
  const path = args.config ?? env.WAYFRONT_CONFIG;
  const { raw, source } = await loadConfigFile(path, env);
  return resolveConfig(raw, source, env, { host: args.host, port: args.port, dataDir: args.dataDir, demo: args.demo });
}
