// `wayfront check`: validate the config, then probe each upstream and print a table.
import type { Args } from "./args.ts";
import { configFromArgs } from "./load.ts";
import { Registry } from "../upstream/registry.ts";

export async function check(args: Args): Promise<number> {
  const config = await configFromArgs(args, process.env);
  console.log(`config: ${config.source} is valid`);
  const registry = new Registry(config);
  const rows: string[][] = [["name", "tier", "reachable", "models", "latency"]];
  let allOk = true;
  await Promise.all(
    registry.list.map(async (s, i) => {
      const t0 = performance.now();
      await registry.refreshOne(s);
      const ms = Math.round(performance.now() - t0);
      const ok = s.lastError === null;
      if (!ok) allOk = false;
      const keyNote = s.config.apiKeyEnv && !s.config.apiKey ? ` (env ${s.config.apiKeyEnv} is not set)` : "";
      rows[i + 1] = [s.config.name, s.config.tier, ok ? "yes" : `no: ${s.lastError}${keyNote}`, ok ? String(s.models.size) : "-", `${ms} ms`];
    }),
  );
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd());
  for (const [name, alias] of config.aliases) {
    console.log(`model ${JSON.stringify(name)} → ${alias.targets.map((t) => `${t.upstream}/${t.model}`).join(", ")}`);
  }
  return allOk ? 0 : 1;
}
