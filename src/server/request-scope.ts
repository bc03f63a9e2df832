// Every request gets an id (x-wayfront-request-id) and exactly one log line when it is done.
import type { Gateway } from "./gateway.ts";
import type { RequestLog } from "../status/log.ts";
import { newRequestId } from "./request-id.ts";
import { errorResponse, toGatewayError } from "../protocol/errors.ts";

export interface RequestScope {
  id: string;
  started: number;
  log: RequestLog;
  /** Write the log line with the final status and whatever else is known. */
  done: (status: number, extra?: Partial<RequestLog>) => void;
  /** A request refused before it reached the cache or a route: logged, OpenAI-shaped. */
  fail: (err: unknown) => Response;
}

export function requestScope(request: Request, gw: Gateway): RequestScope {
  const started = performance.now();
  const id = newRequestId();
  const log: RequestLog = { id, method: request.method, path: pathOf(request.url), status: 0, ms: 0 };
  const done = (status: number, extra?: Partial<RequestLog>) => {
    log.status = status;
    log.ms = Math.round(performance.now() - started);
    if (extra) Object.assign(log, extra);
    gw.log.request(log);
  };
  const fail = (err: unknown) => {
    const e = toGatewayError(err);
    done(e.status, { error: e.message });
    // Never cached, and said so like every other answer of these endpoints.
    return errorResponse(e, { "x-wayfront-request-id": id, "x-wayfront-cache": "BYPASS", age: "0" });
  };
  return { id, started, log, done, fail };
}

/** The path of an absolute URL without building a URL object (this runs on every request). */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const q = url.indexOf("?", start);
  return q === -1 ? url.slice(start) : url.slice(start, q);
}
