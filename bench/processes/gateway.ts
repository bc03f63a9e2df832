// Entry: Wayfront in its own process, in front of the reference upstream.
// argv: <upstream base url, no /v1>
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { startGateway } from "../../src/server/start.ts";
import { announce } from "./ready.ts";

/**
 * Request lines are logged at info, so "warn" keeps a log write off every request: we
 * measure the relay, not the terminal. The cache is off because every bench request is
 * identical and a hit would measure SQLite instead of the proxy path.
 */
export function benchGatewayToml(upstreamUrl: string): string {
  return ["[[upstream]]", 'name = "ref"', `base_url = "${upstreamUrl}/v1"`, "[cache]", 'mode = "off"', "[log]", 'level = "warn"', ""].join("\n");
}

if (import.meta.main) {
  const dataDir = mkdtempSync(join(tmpdir(), "wayfront-bench-"));
  const config = resolveConfig(
    parseConfigText(benchGatewayToml(process.argv[2]!), "bench.toml"),
    "bench.toml",
    {},
    {
      host: "127.0.0.1",
      port: 0,
      dataDir,
    },
  );
  const gw = startGateway(config, "bench", { write: (line) => process.stderr.write(line + "\n") });
  // Fetch the model list before announcing, so the first measured request is not the one that waits for it.
  await gw.gateway.registry.refresh();
  announce(gw.url, async () => {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
}
