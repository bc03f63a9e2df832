// Builds the Elysia app from the route table (routes.ts). Handlers get the raw Request and
// return a Response: the gateway reads bodies itself (limits, lenient parsing), so Elysia's
// body parser is off on every route. Every answer is OpenAI's error JSON when it is not a
// success: a known path asked with another method gets 405 with Allow, any other path 404,
// and whatever throws becomes a 400 (a malformed path) or a 500 that is logged with its cause.
// Before any of it, guard.ts refuses what a browser page must not do (foreign Origin, foreign
// Host, a non-JSON generating POST) and answers CORS preflights; answers to allowed origins
// carry the CORS headers.
import { damageAnswer } from "./damage.ts";
import { Elysia } from "elysia";
import type { Gateway } from "./gateway.ts";
import { PREFIXES, ROUTES } from "./routes.ts";
import { newRequestId } from "./request-id.ts";
import { pathOf } from "./request-path.ts";
import { check, preflight, withCors } from "./guard.ts";
import { FALLBACK_ERROR_JSON, GatewayError, errorResponse, internalError } from "../protocol/errors.ts";
import { DOUBLED_V1, errorShapeOf } from "./error-shape.ts";
import { isLoopback } from "../auth/admit.ts";

/** What a peer of a loopback listener is called (never asked of the socket). */
const LOOPBACK_PEER = "127.0.0.1";

/** A listening address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || isLoopback(h);
}

/**
 * A refusal of a request whose body nobody reads: close the connection after it, or Bun
 * keeps draining whatever the client still sends (Bun's body cap is out of the way, start.ts).
 */
const closing = (request: Request): Record<string, string> => (request.body ? { connection: "close" } : {});

const methodNotAllowed =
  (allowed: string) =>
  ({ request }: { request: Request }) =>
    errorResponse(
      new GatewayError("method_not_allowed", `Method not allowed. This endpoint accepts ${allowed}.`, { code: "method_not_allowed" }),
      { allow: allowed, ...closing(request) },
      errorShapeOf(request),
    );

export function buildApp(gw: Gateway) {
  const app = new Elysia();
  // The address the server listens on is the one it was started with: a reload swaps the config
  // (server.host among it) but not the listener, so this is read now, never from the live config
  // (a reload to 127.0.0.1 must not make the LAN's peers look like this machine's).
  const boundLoopback = isLoopbackHost(gw.config.server.host);
  // First: Elysia applies a hook only to the routes registered after it.
  // Before routing, on every path (unknown ones too): a refusal or a preflight answer ends the request here.
  app.onRequest(({ request }) => {
    const early = check(request, gw.config) ?? preflight(request);
    return early === null ? undefined : early;
  });
  app.onError(({ code, request, error }) => withCors(request, errorAnswer(gw, String(code), request, error)));
  // CORS headers for an allowed origin are added by each route's own wrapper below, not by an
  // Elysia afterHandle hook: a hook costs every request, and only browser calls carry Origin.
  const cors = (request: Request, r: Response | Promise<Response>): Response | Promise<Response> =>
    request.headers.has("origin") ? Promise.resolve(r).then((res) => withCors(request, res)) : r;
  for (const row of ROUTES) {
    const handle = row.make(gw);
    for (const prefix of row.api ? PREFIXES : [""]) {
      const path = prefix + row.path;
      if (row.method === "POST") {
        app.post(
          path,
          ({ request, server }) => {
            // An answer may take minutes: no idle cut-off for the request being served; idle
            // sockets in general are still closed (start.ts), a stalled body by server.body_timeout.
            if (row.long) server?.timeout(request, 0);
            return cors(request, handle(request, { param: "", remote: () => remoteOf(gw, server, request, boundLoopback) }));
          },
          { parse: "none" },
        );
        app.all(path, ({ request }) => cors(request, methodNotAllowed("POST")({ request })));
      } else {
        const base = paramBase(path);
        app.get(
          path,
          ({ request, server }) =>
            cors(
              request,
              handle(request, { param: base === null ? "" : paramOf(request, base), remote: () => remoteOf(gw, server, request, boundLoopback) }),
            ),
          {
            parse: "none",
          },
        );
        app.all(path, ({ request }) => cors(request, methodNotAllowed("GET, HEAD")({ request })));
      }
    }
  }
  return app;
}

/** What the client gets for anything a handler (or Elysia) threw; never a stack. */
function errorAnswer(gw: Gateway, code: string, request: Request, error: unknown): Response {
  try {
    const shape = errorShapeOf(request);
    if (error instanceof GatewayError) return errorResponse(error, closing(request), shape);
    if (code === "NOT_FOUND") return errorResponse(unknownPath(request), closing(request), shape);
    // Elysia's own refusals of what the client sent (we parse no bodies, but a plugin might).
    if (code === "PARSE" || code === "VALIDATION" || code === "INVALID_COOKIE_SIGNATURE" || code === "INVALID_FILE_TYPE") {
      return errorResponse(
        new GatewayError("invalid_request", "The request could not be read.", { code: "invalid_request" }),
        closing(request),
        shape,
      );
    }
    return unhandled(gw, request, error, code);
  } catch {
    return fallback();
  }
}

/**
 * A path nothing serves. A doubled /v1 is the base URL's mistake, said as such — and not as a
 * 404, which Claude Code reports as "an issue with the selected model".
 */
function unknownPath(request: Request): GatewayError {
  const path = pathOf(request.url);
  if (DOUBLED_V1.test(path)) {
    const variable = errorShapeOf(request).name === "anthropic" ? "ANTHROPIC_BASE_URL" : "the base URL";
    return new GatewayError(
      "invalid_request",
      `${request.method} ${shownPath(request)}: the path has /v1 twice. Drop the /v1 from ${variable} (use http://<host>:<port>, the client adds /v1 itself).`,
      { code: "doubled_v1" },
    );
  }
  return new GatewayError(
    "not_found",
    `Unknown path: ${request.method} ${shownPath(request)}. This gateway serves the OpenAI API under /v1 (e.g. POST /v1/chat/completions) and Anthropic's Messages API at POST /v1/messages.`,
    { code: "unknown_url" },
  );
}

/**
 * A failure no handler turned into an answer: 500 "internal gateway error" for the client,
 * and a log line with its cause (name and message, never the stack) under a request id the
 * client is also given. Also Bun's last-resort `error` handler (start.ts).
 */
export function unhandled(gw: Gateway, request: Request | null, error: unknown, code = "UNKNOWN"): Response {
  try {
    const damaged = damageAnswer(gw, error);
    if (damaged) return errorResponse(damaged, {}, request ? errorShapeOf(request) : undefined);
    const id = newRequestId();
    const e = error as { name?: unknown; message?: unknown } | null;
    gw.log.event("error", "unhandled error", {
      request_id: id,
      method: request?.method,
      path: request ? shownPath(request) : undefined,
      code,
      name: typeof e?.name === "string" ? e.name : typeof error,
      message: typeof e?.message === "string" ? e.message.slice(0, 500) : String(error).slice(0, 500),
    });
    return errorResponse(internalError(error), { "x-wayfront-request-id": id }, request ? errorShapeOf(request) : undefined);
  } catch {
    return fallback();
  }
}

function fallback(): Response {
  return new Response(FALLBACK_ERROR_JSON, { status: 500, headers: { "content-type": "application/json" } });
}

/** The request target as the client sent it, cut short (CONNECT's `host:port` is not a URL). */
function shownPath(request: Request): string {
  const url = request.url;
  const path = url.includes("//") ? pathOf(url) : url;
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** The part of a route's path before its one parameter (`:id` or `*`), or null without one. */
function paramBase(path: string): string | null {
  const at = path.search(/[:*]/);
  return at === -1 ? null : path.slice(0, at);
}

/**
 * The route's one path parameter, percent-decoded once, from the path as sent (Elysia
 * decodes `:id` itself but not `*`, and turns a malformed escape into U+FFFD): a malformed
 * escape (`%zz`, a cut-off UTF-8 sequence) is the client's mistake, a 400.
 */
function paramOf(request: Request, base: string): string {
  const path = pathOf(request.url);
  // The router matched `base` literally (no decoding, no case folding), so this always holds.
  const raw = path.startsWith(base) ? path.slice(base.length) : "";
  try {
    return decodeURIComponent(raw);
  } catch {
    const shown = raw.length > 100 ? `${raw.slice(0, 100)}…` : raw;
    throw new GatewayError(
      "invalid_request",
      `The path segment '${shown}' is not valid percent-encoding (a % must be followed by two hex digits, and the bytes must be UTF-8).`,
      { code: "invalid_request" },
    );
  }
}

/**
 * The client's address: the socket's, or, when that is a trusted reverse proxy, the nearest
 * address in X-Forwarded-For that is not one of them (who is on loopback decides auth "auto").
 */
function remoteOf(
  gw: Gateway,
  server: { requestIP(r: Request): { address: string } | null } | null | undefined,
  request: Request,
  boundLoopback: boolean,
): string | null {
  const trusted = gw.config.server.trustedProxies;
  // Listening on a loopback address (the default), every peer is this machine: its address is
  // then only ever asked whether it is loopback, and asking the socket is a system call a request.
  if (trusted.length === 0 && boundLoopback) return LOOPBACK_PEER;
  const socket = server?.requestIP(request)?.address ?? null;
  if (!socket || trusted.length === 0 || !trusted.includes(socket)) return socket;
  const hops = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.includes(hops[i])) return hops[i];
  return socket;
}
