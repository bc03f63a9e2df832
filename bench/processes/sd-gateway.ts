// Entry: Wayfront with a chosen cache set-up, its data dir given, for bench/sd-writes.ts.
// argv: <upstream base url, no /v1> <data dir> <cache mode> <cache backend>
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { startGateway } from "../../src/server/start.ts";
import { announce } from "./ready.ts";

if (import.meta.main) {
  const [upstream, dataDir, mode, backend] = process.argv.slice(2);
  const toml = ["[[upstream]]", 'name = "ref"', `base_url = "${upstream}/v1"`, "[cache]", `mode = "${mode}"`, `backend = "${backend}"`];
  // warn: no request line per request, so what is measured is SQLite, not the log.
  toml.push("[log]", 'level = "warn"', "");
  const config = resolveConfig(parseConfigText(toml.join("\n"), "bench.toml"), "bench.toml", {}, { host: "127.0.0.1", port: 0, dataDir });
  const gw = startGateway(config, "bench", { write: (line) => process.stderr.write(`${line}\n`) });
  await gw.gateway.registry.refresh();
  announce(gw.url, () => gw.stop());
}
