// Start a real gateway on 127.0.0.1 port 0 from TOML text, with a temp data dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { startGateway, type Running } from "../../src/server/start.ts";

export interface TestGateway extends Running {
  /** Base URL including /v1, for SDK clients. */
  v1: string;
  dataDir: string;
  logs: string[];
}

export async function startTestGateway(
  toml: string,
  opts: { env?: Record<string, string>; demo?: boolean; dataDir?: string } = {},
): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "wayfront-test-"));
  const raw = parseConfigText(toml, "test.toml");
  const config = resolveConfig(raw, "test.toml", { ...opts.env }, { host: "127.0.0.1", port: 0, dataDir, demo: opts.demo });
  const logs: string[] = [];
  const running = startGateway(config, "test", { write: (l) => logs.push(l) });
  await running.gateway.registry.refresh();
  return {
    ...running,
    v1: `${running.url}/v1`,
    dataDir,
    logs,
    async stop() {
      await running.stop();
      // A data dir the caller gave is the caller's to remove (a test may restart on it).
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An [[upstream]] block for a mock. */
export function upstreamToml(name: string, url: string, extra = ""): string {
  return `[[upstream]]\nname = "${name}"\nbase_url = "${url}"\n${extra}\n`;
}
