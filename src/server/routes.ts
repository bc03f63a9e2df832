// The whole HTTP surface, one line per endpoint. API paths also answer without "/v1",
// since clients configured with a bare base URL are the most common set-up mistake.
import type { Gateway } from "./gateway.ts";
import { PROTOCOLS } from "../protocol/apis.ts";
import { pipeline } from "./pipeline.ts";
import { getModelEndpoint, listModelsEndpoint } from "./handlers/models.ts";
import { storedResponseEndpoint } from "./handlers/response-get.ts";
import { healthz, metricsText, statusJsonEndpoint, statusPageEndpoint } from "./handlers/status.ts";

export type Handle = (request: Request, param: string) => Promise<Response> | Response;

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
  ...Object.values(PROTOCOLS).map((spec): RouteRow => ({ method: "POST", path: spec.path, api: true, long: true, make: (gw) => pipeline(spec, gw) })),
  {
    method: "GET",
    path: "/responses/:id",
    api: true,
    make: (gw) => {
      const get = storedResponseEndpoint(gw);
      return (_r, id) => get(id);
    },
  },
  { method: "GET", path: "/models", api: true, make: (gw) => listModelsEndpoint(gw) },
  {
    method: "GET",
    path: "/models/*",
    api: true,
    make: (gw) => {
      const get = getModelEndpoint(gw);
      return (_r, id) => get(id);
    },
  },
  { method: "GET", path: "/", api: false, make: statusPageEndpoint },
  { method: "GET", path: "/status", api: false, make: statusPageEndpoint },
  { method: "GET", path: "/status.json", api: false, make: statusJsonEndpoint },
  { method: "GET", path: "/metrics", api: false, make: metricsText },
  { method: "GET", path: "/healthz", api: false, make: healthz },
];

export const PREFIXES = ["/v1", ""];
