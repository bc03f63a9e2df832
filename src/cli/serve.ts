// `wayfront serve`: load config, build the app, listen, stop cleanly on signals.
import type { Args } from "./args.ts";
import { configFromArgs } from "./load.ts";
import { startGateway } from "../server/start.ts";

export async function serve(args: Args, version: string): Promise<void> {
  const config = await configFromArgs(args, process.env);
  const gw = startGateway(config, version);
  const shutdown = async () => {
    await gw.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
