// Entry: Wayfront with the prompt cache on (mode "always"), in front of the reference upstream.
// argv: <upstream base url, no /v1>
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { startGateway } from "../../src/server/start.ts";
import { announce } from "./ready.ts";

const toml = ["[[upstream]]", 'name = "ref"', `base_url = "${process.argv[2]}/v1"`, "[cache]", 'mode = "always"', "[log]", 'level = "warn"', ""].join(
  "\n",
);

if (import.meta.main) {
  const dataDir = mkdtempSync(join(tmpdir(), "wayfront-bench-cache-"));
  const config = resolveConfig(parseConfigText(toml, "bench.toml"), "bench.toml", {}, { host: "127.0.0.1", port: 0, dataDir });
  const gw = startGateway(config, "bench", { write: (line) => process.stderr.write(line + "\n") });
  await gw.gateway.registry.refresh();
  announce(gw.url, async () => {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
}
