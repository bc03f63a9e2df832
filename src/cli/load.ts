// Flags + env + file → Config, shared by every subcommand. The file is the one named by
// --config or WAYFRONT_CONFIG, else the first found on the search path (config/discover.ts).
import type { Args } from "./args.ts";
import { loadConfigFile } from "../config/load.ts";
import { resolveConfig, type Config } from "../config/resolve.ts";
import { defaultPlace, findConfigFile, type SearchPlace } from "../config/discover.ts";

export async function configFromArgs(args: Args, env: Record<string, string | undefined>, place: SearchPlace = defaultPlace(env)): Promise<Config> {
  const path = findConfigFile(args.config || env.WAYFRONT_CONFIG || undefined, place);
  const { raw, source } = await loadConfigFile(path, env);
  return resolveConfig(raw, source, env, { host: args.host, port: args.port, dataDir: args.dataDir, demo: args.demo });
}
