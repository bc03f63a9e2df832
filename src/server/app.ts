// Builds the Elysia app from the route table (routes.ts). Handlers get the raw Request and
// return a Response: the gateway reads bodies itself (limits, lenient parsing), so Elysia's
// body parser is off on every route.
import { Elysia } from "elysia";
import type { Gateway } from "./gateway.ts";
import { PREFIXES, ROUTES } from "./routes.ts";
import { GatewayError, errorResponse } from "../protocol/errors.ts";

const methodNotAllowed = (allowed: string) => () =>
  errorResponse(new GatewayError("method_not_allowed", `Method not allowed. This endpoint accepts ${allowed}.`, { code: "method_not_allowed" }), {
    allow: allowed,
  });

export function buildApp(gw: Gateway) {
  const app = new Elysia();
  for (const row of ROUTES) {
    const handle = row.make(gw);
    for (const prefix of row.api ? PREFIXES : [""]) {
      const path = prefix + row.path;
      if (row.method === "POST") {
        app.post(
          path,
          ({ request, server }) => {
            // An answer may take minutes: no idle cut-off for the request being served; idle
            // sockets in general are still closed (start.ts).
            if (row.long) server?.timeout(request, 0);
            return handle(request, "");
          },
          { parse: "none" },
        );
        app.all(path, methodNotAllowed("POST"));
      } else {
        app.get(path, ({ request, params }) => handle(request, paramOf(params)), { parse: "none" });
        if (path.endsWith("/models")) app.all(path, methodNotAllowed("GET"));
      }
    }
  }
  app.onError(({ code, request, error }) => {
    if (code === "NOT_FOUND") {
      const path = new URL(request.url).pathname;
      return errorResponse(
        new GatewayError(
          "not_found",
          `Unknown path: ${request.method} ${path}. This gateway serves the OpenAI API under /v1 (e.g. POST /v1/chat/completions).`,
          {
            code: "unknown_url",
          },
        ),
      );
    }
    gw.log.event("error", "unhandled error", { code: String(code), message: (error as Error)?.message });
    return errorResponse(new GatewayError("internal", "internal gateway error"));
  });
  return app;
}

/** The one path parameter a route has (`:id` or `*`), decoded. */
function paramOf(params: unknown): string {
  const p = params as Record<string, string> | undefined;
  const raw = p?.id ?? p?.["*"];
  return raw === undefined ? "" : decodeURIComponent(raw);
}
