// GET / and /status: the built-in status page. A view model from the same figures as
// /status.json, rendered with eta (auto-escaped: upstream names and errors are text, not HTML).
import { Eta } from "eta";
import template from "./templates/page.eta" with { type: "text" };
import { statusJson, type StatusView } from "./status-json.ts";

const eta = new Eta({ autoEscape: true, useWith: false, cache: false });
// Compiled once: the template is fixed at build time.
const render = eta.compile(template).bind(eta);

import type { Snippet } from "./snippets.ts";

export interface PageOptions {
  /** Ready-to-paste client set-ups for this gateway's URL. */
  snippets: (baseUrl: string) => Snippet[];
  refreshMs?: number;
}

export async function statusPage(gw: StatusView, request: Request, o: PageOptions): Promise<string> {
  const status = statusJson(gw);
  const cache = await gw.cache.store
    .stats()
    .then((s) => s)
    .catch(() => null);
  const base = `${new URL(request.url).origin}/v1`;
  return render({
    status,
    uptime: formatUptime(status.uptime_s),
    configSource: gw.config.source,
    cache,
    snippets: o.snippets(base).map((s, i) => ({ ...s, open: i === 0 })),
    refreshMs: o.refreshMs ?? 3000,
  });
}

export function formatUptime(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
