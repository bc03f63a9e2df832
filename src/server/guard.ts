// What a browser may do with this gateway. Three refusals run before routing, on every
// endpoint: a foreign `Origin` (403: a page elsewhere calling the API, or reading the status
// page), a `Host` that is not this machine's (421: DNS rebinding, a hostile name pointed at
// 127.0.0.1), and a generating POST that is not `application/json` (415: the no-preflight
// `text/plain` or body-without-type cross-origin POST). Origins listed in
// server.allowed_origins get CORS: a preflight answer, and the headers on every response.
// Requests without an `Origin` (CLI clients, SDKs) pay for two header reads and a Set lookup.
import type { Config } from "../config/resolve.ts";
import { PROTOCOLS } from "../protocol/apis.ts";
import { GatewayError, errorResponse } from "../protocol/errors.ts";
import { errorShapeOf } from "./error-shape.ts";
import { pathOf } from "./request-path.ts";
import { PREFIXES } from "./routes.ts";

type ServerConfig = Config["server"];

/** Where a request body is read by a model: these must be JSON, or a browser could post text/plain without a preflight. */
// count_tokens reads a whole prompt too: the same no-preflight rule applies.
const GENERATING = new Set(
  [...Object.values(PROTOCOLS).map((p) => p.path), "/messages/count_tokens"].flatMap((path) => PREFIXES.map((prefix) => prefix + path)),
);

/**
 * How long a browser may reuse a preflight answer, in seconds. Chromium caps it at 2 h; ten
 * minutes keeps a removed origin (config reload) from lingering long.
 */
const PREFLIGHT_MAX_AGE_S = 600;

const ALLOW_METHODS = "GET, HEAD, POST, OPTIONS";
/** Request headers an allowed page may send: what the OpenAI/Anthropic SDKs and web UIs do. */
const ALLOW_HEADERS = new Set([
  "authorization",
  "api-key",
  "x-api-key",
  "content-type",
  "accept",
  "accept-language",
  "content-language",
  "cache-control",
  "x-request-id",
  "idempotency-key",
]);
const ALLOW_HEADER_PREFIXES = ["openai-", "anthropic-", "x-wayfront-", "x-stainless-"];
/** Response headers a page may read (CORS hides all but a few otherwise); prefixed ones are added per response. */
const EXPOSE = [
  "x-wayfront-request-id",
  "x-wayfront-cache",
  "x-wayfront-upstream",
  "x-wayfront-attempts",
  "x-request-id",
  "request-id",
  "retry-after",
  "retry-after-ms",
];
const EXPOSE_PREFIXES = ["x-wayfront-", "x-ratelimit-", "anthropic-ratelimit-"];

interface Policy {
  origins: Set<string>;
  /** allowed_hosts entries without a port: any port. */
  names: Set<string>;
  /** allowed_hosts entries with one: `name:port`. */
  namePorts: Set<string>;
  /** server.host, unless it is a wildcard address. */
  bound: string | null;
  /** Host header values already found allowed, as sent: the common case is one Set lookup. */
  seen: Set<string>;
}

/** Bounds `seen`: clients use a handful of names; a scanner sending many must not grow it. */
const SEEN_MAX = 64;

// One per config (a reload brings a new one), so nothing is re-parsed per request.
const policies = new WeakMap<ServerConfig, Policy>();

function policyOf(server: ServerConfig): Policy {
  let p = policies.get(server);
  if (!p) {
    p = compile(server);
    policies.set(server, p);
  }
  return p;
}

function compile(server: ServerConfig): Policy {
  const names = new Set<string>();
  const namePorts = new Set<string>();
  for (const entry of server.allowedHosts) {
    // Lenient about what people paste: a scheme or a path around the name.
    const bare = entry
      .trim()
      .toLowerCase()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
      .replace(/\/.*$/, "");
    const hp = splitHost(bare) ?? { name: normalName(bare), port: "" };
    if (hp.port) namePorts.add(`${hp.name}:${hp.port}`);
    else names.add(hp.name);
  }
  const host = normalName(server.host);
  const bound = host === "0.0.0.0" || host === "::" || host === "" ? null : host;
  return { origins: new Set(server.allowedOrigins.map(normalOrigin)), names, namePorts, bound, seen: new Set() };
}

/** `scheme://host[:port]` as browsers send it: lower case, no trailing slash, no default port. */
export function normalOrigin(origin: string): string {
  const o = origin.trim().toLowerCase().replace(/\/+$/, "");
  if (o.startsWith("http://") && o.endsWith(":80")) return o.slice(0, -3);
  if (o.startsWith("https://") && o.endsWith(":443")) return o.slice(0, -4);
  return o;
}

/** A host name without brackets or a trailing dot (`[::1]` → `::1`, `localhost.` → `localhost`). */
function normalName(name: string): string {
  let n = name.trim().toLowerCase();
  if (n.startsWith("[") && n.endsWith("]")) n = n.slice(1, -1);
  return n.endsWith(".") ? n.slice(0, -1) : n;
}

/** A Host header split into name and port (port "" when absent); null when it is not one. */
function splitHost(host: string): { name: string; port: string } | null {
  let name: string;
  let rest: string;
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    if (end === -1) return null;
    name = host.slice(1, end);
    rest = host.slice(end + 1);
  } else {
    const colon = host.indexOf(":");
    if (colon === -1) return { name: normalName(host), port: "" };
    // Two colons outside brackets: an IPv6 literal a Host header cannot carry.
    if (host.indexOf(":", colon + 1) !== -1) return null;
    name = host.slice(0, colon);
    rest = host.slice(colon);
  }
  if (rest === "") return { name: normalName(name), port: "" };
  if (!/^:\d{1,5}$/.test(rest)) return null;
  return { name: normalName(name), port: rest.slice(1) };
}

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isLoopback(name: string): boolean {
  if (name === "localhost" || name === "::1") return true;
  const v4 = name.startsWith("::ffff:") ? name.slice(7) : name;
  const m = IPV4_LOOPBACK.exec(v4);
  return m !== null && Number(m[1]) <= 255 && Number(m[2]) <= 255 && Number(m[3]) <= 255;
}

/** Whether a `Host` header names this machine: loopback, the bound address, or server.allowed_hosts. */
export function hostAllowed(host: string, server: ServerConfig): boolean {
  const p = policyOf(server);
  if (p.seen.has(host)) return true;
  const hp = splitHost(host.toLowerCase());
  if (!hp || hp.name === "") return false;
  const ok = isLoopback(hp.name) || hp.name === p.bound || p.names.has(hp.name) || (hp.port !== "" && p.namePorts.has(`${hp.name}:${hp.port}`));
  if (ok && p.seen.size < SEEN_MAX) p.seen.add(host);
  return ok;
}

/**
 * Whether a browser origin may call: listed in server.allowed_origins, or this gateway's own
 * (its status page; the Host check has vouched for the name).
 */
export function originAllowed(origin: string, request: Request, server: ServerConfig): boolean {
  const o = origin.toLowerCase();
  if (policyOf(server).origins.has(o)) return true;
  const host = request.headers.get("host");
  if (host === null) return false;
  const scheme = request.url.startsWith("https:") ? "https://" : "http://";
  return o === normalOrigin(scheme + host);
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === "application/json";
}

/** The refusal of a request no browser page should make, or null to let it through. */
export function check(request: Request, config: Config): Response | null {
  const headers = request.headers;
  const origin = headers.get("origin");
  if (origin !== null && !originAllowed(origin, request, config.server)) {
    return refuse(
      request,
      new GatewayError(
        "forbidden",
        `Origin '${shown(origin)}' is not allowed to call this gateway. To let a web page call it, add its origin to server.allowed_origins.`,
        { code: "origin_not_allowed" },
      ),
    );
  }
  const host = headers.get("host");
  if (host !== null && !hostAllowed(host, config.server)) {
    return refuse(
      request,
      new GatewayError(
        "invalid_request",
        `Host '${shown(host)}' is not a name of this gateway. To reach it by that name (its LAN name or address), add it to server.allowed_hosts.`,
        { code: "host_not_allowed", status: 421 },
      ),
    );
  }
  if (request.method === "POST" && !isJsonType(headers.get("content-type")) && GENERATING.has(pathOf(request.url))) {
    const type = headers.get("content-type");
    return refuse(
      request,
      new GatewayError(
        "invalid_request",
        `This endpoint takes a JSON body: send the header 'content-type: application/json' (got ${type === null ? "none" : `'${shown(type)}'`}).`,
        { code: "unsupported_media_type", status: 415 },
      ),
      // A page allowed to call may read why (the other refusals go to pages that may not).
      origin === null ? undefined : corsHeaders(origin),
    );
  }
  return null;
}

/** The answer to a CORS preflight (`OPTIONS` with an `Origin`) from an origin `check` let through; null for any other request. */
export function preflight(request: Request): Response | null {
  if (request.method !== "OPTIONS") return null;
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  const headers: Record<string, string> = {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": ALLOW_METHODS,
    "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
    vary: "origin, access-control-request-method, access-control-request-headers",
  };
  const asked = request.headers.get("access-control-request-headers");
  if (asked) {
    const allowed = asked
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter((h) => ALLOW_HEADERS.has(h) || ALLOW_HEADER_PREFIXES.some((p) => h.startsWith(p)));
    if (allowed.length > 0) headers["access-control-allow-headers"] = allowed.join(", ");
  }
  // Chromium's Private Network Access: a public page asking for a LAN address. The origin is listed, so yes.
  if (request.headers.get("access-control-request-private-network") === "true") headers["access-control-allow-private-network"] = "true";
  return new Response(null, { status: 204, headers });
}

/** The CORS headers of an answer to an allowed origin; `response` adds its own x-wayfront-* and rate-limit headers to those exposed. */
export function corsHeaders(origin: string, response?: Headers): Record<string, string> {
  let expose = EXPOSE;
  if (response) {
    const extra: string[] = [];
    for (const name of response.keys()) if (EXPOSE_PREFIXES.some((p) => name.startsWith(p)) && !EXPOSE.includes(name)) extra.push(name);
    if (extra.length > 0) expose = [...EXPOSE, ...extra];
  }
  return { "access-control-allow-origin": origin, vary: "origin", "access-control-expose-headers": expose.join(", ") };
}

/**
 * An answer to a request with an `Origin` that `check` let through, with its CORS headers; the
 * same response when the request has none. Headers are set in place (a stream's body is not touched).
 */
export function withCors(request: Request, response: Response): Response {
  const origin = request.headers.get("origin");
  if (origin === null || response.headers.has("access-control-allow-origin")) return response;
  const cors = corsHeaders(origin, response.headers);
  try {
    for (const k in cors) {
      if (k === "vary") appendVary(response.headers, "origin");
      else response.headers.set(k, cors[k]);
    }
    return response;
  } catch {
    // Immutable headers (a fetch() response passed on as is): the same body, new headers.
    const headers = new Headers(response.headers);
    for (const k in cors) {
      if (k === "vary") appendVary(headers, "origin");
      else headers.set(k, cors[k]);
    }
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

function appendVary(headers: Headers, name: string): void {
  const vary = headers.get("vary");
  if (vary === null) headers.set("vary", name);
  else if (
    !vary
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes(name)
  )
    headers.set("vary", `${vary}, ${name}`);
}

/** A refusal before the body is read: the connection closes after it, or Bun keeps draining what the client still sends. */
function refuse(request: Request, error: GatewayError, extra?: Record<string, string>): Response {
  return errorResponse(error, { ...(request.body ? { connection: "close" } : {}), ...extra }, errorShapeOf(request));
}

/** A header value fit to quote back: printable ASCII, cut short. */
function shown(value: string): string {
  const v = value.replace(/[^\x20-\x7e]/g, "?");
  return v.length > 100 ? `${v.slice(0, 100)}…` : v;
}
