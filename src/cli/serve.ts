// `wayfront serve`: load config, build the app, listen, stop cleanly on signals.
import type { Args } from "./args.ts";
import { configFromArgs } from "./load.ts";
import { startGateway } from "../server/start.ts";
import { noUpstreamsProblem, refuseReload } from "../config/reload.ts";

/** Long enough for a typical streamed answer to finish; systemd's default stop timeout is 90 s. */
const SHUTDOWN_DRAIN_MS = 10_000;

export async function serve(args: Args, version: string): Promise<void> {
  const config = await configFromArgs(args, process.env);
  const gw = startGateway(config, version, { allowOpen: args.allowOpen === true });
  // Listening: from here on code runs because requests come, so the JIT gets its normal policy
  // back. The compiled binary starts with a reluctant one (--compile-jit-policy, cli/build.ts):
  // start-up code runs once, and compiling it cost ~3 MiB of idle RSS and CPU the start needs.
  Bun.unsafe.setJITPolicy(1);
  // Not fatal (a reload may add upstreams), but say so plainly: nothing can be served.
  const empty = noUpstreamsProblem(config);
  if (empty) {
    const demo = config.upstreams.some((u) => u.demo);
    const msg = demo ? "no upstreams configured: only the demo model is served" : "no upstreams configured: every model request will fail";
    gw.gateway.log.event("warn", msg, { problem: empty, fix: `add an [[upstream]] to ${config.source}, then reload (SIGHUP) or restart` });
  }
  let stopping = false;
  const shutdown = async () => {
    // A second signal means "now": skip the drain.
    if (stopping) process.exit(0);
    stopping = true;
    await gw.stop(SHUTDOWN_DRAIN_MS);
    process.exit(0);
  };
  // SIGHUP: re-read the config; a config that doesn't validate, or names no upstream, keeps the running one.
  process.on("SIGHUP", async () => {
    try {
      const next = await configFromArgs(args, process.env);
      refuseReload(next);
      gw.reload(next);
    } catch (err) {
      gw.gateway.events.emit({ type: "config_reload_refused", message: (err as Error)?.message ?? String(err) });
    }
  });
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
