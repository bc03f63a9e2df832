// What the gateway shows about itself: the status page, /status.json, /metrics, /healthz.
import type { Gateway } from "../gateway.ts";
import { statusJson } from "../../status/status-json.ts";
import { statusPage } from "../../status/page.ts";
import { allSnippets, exampleModel } from "../../status/snippets.ts";

const JSON_TYPE = { "content-type": "application/json" };

export function statusPageEndpoint(gw: Gateway) {
  return (request: Request) =>
    statusPage(gw, request, { snippets: (base) => allSnippets(base, exampleModel(gw.config)) }).then(
      (html) => new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }),
    );
}

export function statusJsonEndpoint(gw: Gateway) {
  return () => new Response(JSON.stringify(statusJson(gw)), { headers: JSON_TYPE });
}

/** Prometheus text exposition format 0.0.4. */
export function metricsText(gw: Gateway) {
  return () => new Response(gw.metrics.registry.prometheus(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
}

export function healthz(gw: Gateway) {
  return () => new Response(JSON.stringify({ status: "ok", version: gw.version }), { headers: JSON_TYPE });
}
