// Entry: Wayfront from source with a bench config file, logging to a file (a real deployment
// writes its lines somewhere; the load generator should not have to read them).
// argv: <config.toml> <data dir> <log file>
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { startGateway } from "../../src/server/start.ts";
import { announce } from "./ready.ts";

if (import.meta.main) {
  const [path, dataDir, logPath] = process.argv.slice(2) as [string, string, string];
  const config = resolveConfig(parseConfigText(await Bun.file(path).text(), path), path, {}, { host: "127.0.0.1", port: 0, dataDir });
  const sink = Bun.file(logPath).writer();
  const gw = startGateway(config, "bench", { write: (line) => void sink.write(line + "\n") });
  // Fetch the model list before announcing, so the first measured request is not the one that waits for it.
  await gw.gateway.registry.refresh();
  announce(gw.url, async () => {
    await gw.stop();
    await sink.end();
  });
}
