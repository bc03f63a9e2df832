// GET / and /status: the built-in status page. A view model from the same figures as
// /status.json (view.ts), rendered with eta (auto-escaped: upstream names and errors are text,
// not HTML). `?part=live` renders only the figures, which the page fetches to stay current.
import { Eta } from "eta";
import template from "./templates/page.eta" with { type: "text" };
import live from "./templates/live.eta" with { type: "text" };
import style from "./templates/style.eta" with { type: "text" };
import { cacheJson, statusJson, type StatusView } from "./status-json.ts";
import { pageView } from "./view.ts";
import type { Snippet } from "./snippets.ts";

const eta = new Eta({ autoEscape: true, useWith: false, cache: false });
// Compiled once: the templates are fixed at build time.
eta.loadTemplate("@style", style);
eta.loadTemplate("@live", live);
const renderPage = eta.compile(template).bind(eta);
const renderLive = eta.compile(live).bind(eta);

export interface PageOptions {
  /** Ready-to-paste client set-ups for this gateway's URL. */
  snippets: (baseUrl: string) => Snippet[];
  refreshMs?: number;
}

export async function statusPage(gw: StatusView, request: Request, o: PageOptions): Promise<string> {
  const status = statusJson(gw);
  const cache = await cacheJson(gw);
  const url = new URL(request.url);
  const it = { status, view: pageView(status, cache) };
  if (url.searchParams.get("part") === "live") return renderLive(it);
  return renderPage({
    ...it,
    uptime: formatUptime(status.uptime_s),
    configSource: gw.config.source,
    snippets: o.snippets(`${url.origin}/v1`).map((s, i) => ({ ...s, open: i === 0 })),
    refreshMs: o.refreshMs ?? 3000,
  });
}

export function formatUptime(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
