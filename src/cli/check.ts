// `wayfront check`: validate the config, then probe each upstream and print a table. The
// wire column says whether a Responses request will pass through or be translated to chat.
// Last, the data file (readable all through?) and its disk (check-data.ts).
import type { Args } from "./args.ts";
import { configFromArgs } from "./load.ts";
import { Registry } from "../upstream/registry.ts";
import { describeWire } from "../upstream/wire.ts";
import { redactUrls } from "../upstream/url.ts";
import { noUpstreamsProblem } from "../config/reload.ts";
import { describeMisroute, misroutes } from "../router/misroute.ts";
import { loadedLines } from "./check-loaded.ts";
import { dataLines } from "./check-data.ts";

export async function check(args: Args): Promise<number> {
  const config = await configFromArgs(args, process.env);
  console.log(`config: ${config.source} is valid`);
  const empty = noUpstreamsProblem(config);
  if (empty) console.log(`warning: ${empty}; \`wayfront serve\` would have nothing to route to`);
  const registry = new Registry(config);
  const rows: string[][] = [["name", "tier", "reachable", "models", "latency", "wire"]];
  let allOk = true;
  await Promise.all(
    registry.list.map(async (s, i) => {
      const t0 = performance.now();
      // The wire probe runs beside the model list; latency is the model list's alone.
      const timed = registry.refreshOne(s).then(() => Math.round(performance.now() - t0));
      const [wire, ms] = await Promise.all([describeWire(s), timed]);
      const ok = s.lastError === null;
      if (!ok) allOk = false;
      const keyNote = s.config.apiKeyEnv && !s.config.apiKey ? ` (env ${s.config.apiKeyEnv} is not set)` : "";
      // An error's words may quote the URL; credentials embedded in it are not for the screen.
      rows[i + 1] = [
        s.config.name,
        s.config.tier,
        ok ? "yes" : `no: ${redactUrls(s.lastError ?? "")}${keyNote}`,
        ok ? String(s.models.size) : "-",
        `${ms} ms`,
        wire,
      ];
    }),
  );
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows)
    console.log(
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    );
  // What each local server really runs: a 4k context or a model half on the CPU is legal but slow or lossy.
  for (const line of await loadedLines(registry)) console.log(line);
  // A box that sleeps is woken by requests, never by check: say what a request would do.
  for (const u of config.upstreams) {
    const w = u.wake;
    if (!w) continue;
    const then = w.whileWaking === "wait" ? `waits up to ${w.timeoutMs / 1000} s for it` : "goes to the next target while it wakes";
    console.log(`wake on ${u.name}: ${w.mac} via ${w.broadcast}:${w.port}, at most once per ${w.intervalMs / 1000} s; a request ${then}`);
  }
  for (const [name, alias] of config.aliases) {
    console.log(`model ${JSON.stringify(name)} → ${alias.targets.map((t) => `${t.upstream}/${t.model}`).join(", ")}`);
  }
  // A target its upstream does not serve is a silent misroute (to the next target, often the cloud).
  const wrong = misroutes(config, registry);
  for (const m of wrong) console.log(`error: ${describeMisroute(m)}`);
  const data = dataLines(config);
  for (const line of data.lines) console.log(line);
  return allOk && wrong.length === 0 && data.ok ? 0 : 1;
}
