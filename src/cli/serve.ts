// `wayfront serve`: load config, build the app, listen, stop cleanly on signals.
import type { Args } from "./args.ts";
import { configFromArgs } from "./load.ts";
import { startGateway } from "../server/start.ts";

/** Long enough for a typical streamed answer to finish; systemd's default stop timeout is 90 s. */
const SHUTDOWN_DRAIN_MS = 10_000;

export async function serve(args: Args, version: string): Promise<void> {
  const config = await configFromArgs(args, process.env);
  const gw = startGateway(config, version);
  let stopping = false;
  const shutdown = async () => {
    // A second signal means "now": skip the drain.
    if (stopping) process.exit(0);
    stopping = true;
    await gw.stop(SHUTDOWN_DRAIN_MS);
    process.exit(0);
  };
  // SIGHUP: re-read the config; a config that doesn't validate keeps the running one.
  process.on("SIGHUP", async () => {
    try {
      gw.reload(await configFromArgs(args, process.env));
    } catch (err) {
      gw.gateway.log.event("error", "config reload failed; keeping the running config", { message: (err as Error)?.message ?? String(err) });
    }
  });
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
