// The whole HTTP surface, one line per endpoint. API paths also answer without "/v1",
// since clients configured with a bare base URL are the most common set-up mistake.
import type { Gateway } from "./gateway.ts";
import { PROTOCOLS } from "../protocol/apis.ts";
import { pipeline } from "./pipeline.ts";
import { getModelEndpoint, listModelsEndpoint } from "./handlers/models.ts";
import { storedResponseEndpoint } from "./handlers/response-get.ts";
import { countTokensEndpoint } from "./handlers/count-tokens.ts";
import { healthz, metricsText, statusJsonEndpoint, statusPageEndpoint } from "./handlers/status.ts";
import type { ClientKey } from "../auth/key.ts";
import { admit } from "../auth/admit.ts";
import { GatewayError, errorResponse } from "../protocol/errors.ts";
import { adminAccess } from "../auth/admin.ts";
import { errorShapeOf } from "./error-shape.ts";
import { sessionsOf, signInEndpoint, signInPage } from "./handlers/sign-in.ts";

/** What the HTTP layer knows of a call besides the request: its path parameter and the client's address. */
export interface Call {
  param: string;
  /** Asked only when needed (auth "auto" before any key exists): a socket lookup per request otherwise. */
  remote: () => string | null;
}

export type Handle = (request: Request, call: Call) => Promise<Response> | Response;

/** The admin surface: a page offers the sign-in form, data answers 401 / 403 in OpenAI's shape. */
function adminOnly(gw: Gateway, f: (request: Request) => Response | Promise<Response>, kind: "page" | "data"): Handle {
  return async (request, call) => {
    const v = await adminAccess({
      headers: request.headers,
      remote: call.remote,
      auth: gw.config.auth,
      store: gw.keys ?? null,
      sessions: sessionsOf(gw),
    });
    if (v === "ok") return f(request);
    if (kind === "page") return signInPage(v === "forbidden" ? "That key is not an admin key." : null, v === "forbidden" ? 403 : 401);
    const e =
      v === "forbidden"
        ? new GatewayError("forbidden", "This client key is not an admin key.", { code: "admin_key_required" })
        : new GatewayError("unauthorized", "The admin surface answers other machines only with an admin key (Authorization: Bearer <key>).", {
            code: "admin_key_required",
          });
    return errorResponse(e);
  };
}

/** An API endpoint that answers only an admitted caller (auth/admit.ts), with its key. */
function authed(gw: Gateway, f: (request: Request, call: Call, key: ClientKey | null) => Promise<Response>): Handle {
  return async (request, call) => {
    const a = await admit({ headers: request.headers, remote: call.remote, auth: gw.config.auth, store: gw.keys ?? null });
    return a.ok ? f(request, call, a.key) : errorResponse(a.error, undefined, errorShapeOf(request));
  };
}

export interface RouteRow {
  method: "GET" | "POST";
  path: string;
  /** Also served under /v1 (and without it). */
  api: boolean;
  /** The request may take minutes (a model loading, a long stream): no idle cut-off for it. */
  long?: boolean;
  make: (gw: Gateway) => Handle;
}

export const ROUTES: RouteRow[] = [
  // Generating endpoints: one pipeline, one protocol row each.
  ...Object.values(PROTOCOLS).map(
    (spec): RouteRow => ({
      method: "POST",
      path: spec.path,
      api: true,
      long: true,
      make: (gw) => {
        const serve = pipeline(spec, gw);
        return (request, call) => serve(request, call.remote);
      },
    }),
  ),
  {
    method: "POST",
    path: "/messages/count_tokens",
    api: true,
    make: (gw) => {
      const count = countTokensEndpoint(gw);
      return authed(gw, (r, _call, key) => count(r, key));
    },
  },
  {
    method: "GET",
    path: "/responses/:id",
    api: true,
    make: (gw) => {
      const get = storedResponseEndpoint(gw);
      return authed(gw, (_r, call, key) => get(call.param, key?.namespace));
    },
  },
  {
    method: "GET",
    path: "/models",
    api: true,
    make: (gw) => {
      const list = listModelsEndpoint(gw);
      return authed(gw, (r, _call, key) => list(key, r.headers.has("anthropic-version")));
    },
  },
  {
    method: "GET",
    path: "/models/*",
    api: true,
    make: (gw) => {
      const get = getModelEndpoint(gw);
      return authed(gw, (r, call, key) => get(call.param, key, r.headers.has("anthropic-version")));
    },
  },
  // The admin surface: this machine freely, others with an admin key (auth/admin.ts).
  { method: "GET", path: "/", api: false, make: (gw) => adminOnly(gw, statusPageEndpoint(gw), "page") },
  { method: "GET", path: "/status", api: false, make: (gw) => adminOnly(gw, statusPageEndpoint(gw), "page") },
  { method: "GET", path: "/status.json", api: false, make: (gw) => adminOnly(gw, statusJsonEndpoint(gw), "data") },
  { method: "GET", path: "/metrics", api: false, make: (gw) => adminOnly(gw, metricsText(gw), "data") },
  { method: "POST", path: "/sign-in", api: false, make: signInEndpoint },
  { method: "GET", path: "/healthz", api: false, make: healthz },
];

export const PREFIXES = ["/v1", ""];
