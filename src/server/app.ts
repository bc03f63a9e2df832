// Builds the Elysia app from the route table. Handlers get the raw Request and return a
// Response: the gateway reads bodies itself (limits, lenient parsing), so Elysia's body
// parser is off on the proxy routes.
import { Elysia } from "elysia";
import type { Gateway } from "./gateway.ts";
import { PREFIXES, PROXY_ROUTES } from "./routes.ts";
import { proxyHandler } from "./handlers/proxy.ts";
import { responsesHandler } from "./handlers/responses.ts";
import { responseGetHandler } from "./handlers/response-get.ts";
import { modelHandler, modelsHandler } from "./handlers/models.ts";
import { GatewayError, errorResponse } from "../protocol/errors.ts";
import { statusJson } from "../status/status-json.ts";
import { statusPage } from "../status/page.ts";
import { allSnippets, exampleModel } from "../status/snippets.ts";

const methodNotAllowed = (allowed: string) => () =>
  errorResponse(new GatewayError("method_not_allowed", `Method not allowed. This endpoint accepts ${allowed}.`, { code: "method_not_allowed" }), {
    allow: allowed,
  });

export function buildApp(gw: Gateway) {
  const app = new Elysia();
  for (const prefix of PREFIXES) {
    for (const [path, api] of PROXY_ROUTES) {
      // Responses may need translating for chat-only upstreams (see handlers/responses.ts).
      const handle = api === "responses" ? responsesHandler(gw) : proxyHandler(api, gw);
      app.post(
        prefix + path,
        ({ request, server }) => {
          // An answer may take minutes (a model loading, a long stream): no idle cut-off for
          // the request being served; idle sockets in general are still closed (start.ts).
          server?.timeout(request, 0);
          return handle(request);
        },
        { parse: "none" },
      );
      app.all(prefix + path, methodNotAllowed("POST"));
    }
    const stored = responseGetHandler(gw);
    app.get(prefix + "/responses/:id", ({ params }) => stored(decodeURIComponent((params as Record<string, string>).id)));
    const models = modelsHandler(gw);
    const model = modelHandler(gw);
    app.get(prefix + "/models", () => models());
    app.all(prefix + "/models", methodNotAllowed("GET"));
    app.get(prefix + "/models/*", ({ params }) => model(decodeURIComponent((params as Record<string, string>)["*"])));
  }
  const json = { "content-type": "application/json" };
  const page = (request: Request) =>
    statusPage(gw, request, { snippets: (base) => allSnippets(base, exampleModel(gw.config)) }).then((html) => new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }));
  app.get("/", ({ request }) => page(request));
  app.get("/status", ({ request }) => page(request));
  app.get("/status.json", () => new Response(JSON.stringify(statusJson(gw)), { headers: json }));
  // Prometheus text exposition format 0.0.4.
  app.get("/metrics", () => new Response(gw.metrics.registry.prometheus(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }));
  app.get("/healthz", () => new Response(JSON.stringify({ status: "ok", version: gw.version }), { headers: { "content-type": "application/json" } }));
  app.onError(({ code, request, error }) => {
    if (code === "NOT_FOUND") {
      const path = new URL(request.url).pathname;
      return errorResponse(
        new GatewayError("not_found", `Unknown path: ${request.method} ${path}. This gateway serves the OpenAI API under /v1 (e.g. POST /v1/chat/completions).`, {
          code: "unknown_url",
        }),
      );
    }
    gw.log.event("error", "unhandled error", { code: String(code), message: (error as Error)?.message });
    return errorResponse(new GatewayError("internal", "internal gateway error"));
  });
  return app;
}
