// POST /v1/{chat/completions,responses,completions,embeddings}: parse just enough, pick a
// route, try its targets, and relay the answer.
import type { Gateway } from "../gateway.ts";
import type { RequestLog } from "../../status/log.ts";
import { type Api, attemptTargets, type Served } from "../../router/attempt.ts";
import { resolveRoute } from "../../router/resolve.ts";
import { parseBody } from "../../protocol/validate.ts";
import { errorResponse, toGatewayError } from "../../protocol/errors.ts";
import { clientHeaders } from "../../upstream/headers.ts";
import { relaySse, type StreamApi } from "../../relay/stream.ts";
import { earlyStream } from "../../relay/early.ts";
import { readBody } from "../body.ts";
import { requestScope } from "../request-scope.ts";

export function proxyHandler(api: Api, gw: Gateway) {
  return async function proxy(request: Request): Promise<Response> {
    const { id, started, log, done, fail } = requestScope(request, gw);
    // An answer stitched from two targets mid-stream is complete but never cached.
    let stitched = false;
    try {
      const text = await readBody(request, gw.config.server.bodyLimit);
      const body = parseBody(api, text);
      log.model = body.model;
      log.stream = body.stream;
      const route = await resolveRoute(body.model, gw.config, gw.registry);
      log.route = route.name;
      const answer = async (signal: AbortSignal): Promise<Response> => {
        try {
          const attempt = attemptTargets(
            { api, route, bodyText: text, body, stream: body.stream, clientHeaders: request.headers, signal, startedAt: started, onSeam: () => (stitched = true) },
            gw,
          );
          if (body.stream && api !== "embeddings") return await streamed(api as StreamApi, attempt, gw, id, done);
          const served = await attempt;
          const res = served.sent.response;
          done(res.status, { upstream: served.upstream.config.name, attempts: served.attempts });
          return new Response(served.text ?? res.body, { status: res.status, headers: clientHeaders(res.headers, servedHeaders(served, id)) });
        } catch (err) {
          const e = toGatewayError(err);
          done(e.status, { error: e.message });
          return errorResponse(e, { "x-wayfront-request-id": id });
        }
      };
      // The prompt cache wraps the whole answer, at the response level (cache/gateway-cache.ts).
      return await gw.cache.serve({ api, route, body, headers: request.headers, signal: request.signal, requestId: id, unstorable: () => stitched }, answer, cacheReport(log, done));
    } catch (err) {
      return fail(err);
    }
  };
}

/** Puts the cache outcome in the log line; logs the request when the cache answered it. */
export function cacheReport(log: RequestLog, done: (status: number) => void) {
  return (outcome: string, status?: number) => {
    log.cache = outcome;
    if (status !== undefined) done(status);
  };
}

export function servedHeaders(s: Served, id: string): Record<string, string> {
  return { "x-wayfront-upstream": s.upstream.config.name, "x-wayfront-request-id": id, "x-wayfront-attempts": String(s.attempts) };
}

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

/** Lets the Responses handler relay a translated answer and add headers; the rest is shared. */
export interface StreamHooks {
  /** A relay for this served attempt, or null for the plain byte relay. */
  relay?: (s: Served) => ReadableStream<Uint8Array> | null;
  headers?: (s: Served) => Record<string, string>;
}

export async function streamed(
  api: StreamApi,
  attempt: Promise<Served>,
  gw: Gateway,
  id: string,
  done: (status: number, extra?: Partial<RequestLog>) => void,
  hooks: StreamHooks = {},
): Promise<Response> {
  const hb = gw.config.server.heartbeatMs;
  // Give the upstream one heartbeat interval to answer with headers. If it does, the client
  // gets the upstream's real status (errors included); if not (a model loading), we commit a
  // 200 SSE response now and keep the connection alive with comments until it answers.
  // heartbeat = 0 turns heartbeats off, and with them the early commit.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const early = hb > 0 ? new Promise<null>((r) => (timer = setTimeout(() => r(null), hb))) : null;
  const first = early ? await Promise.race([attempt, early]).finally(() => clearTimeout(timer)) : await attempt;
  const plain = (s: Served) =>
    relaySse(s.sent.response.body!, {
      api,
      heartbeatMs: hb,
      upstreamName: s.upstream.config.name,
      abortUpstream: s.sent.abort,
      stripUsage: s.prepared.stripUsage,
      onEnd: (end) => done(200, { upstream: s.upstream.config.name, attempts: s.attempts, error: end.error?.message }),
    });
  const relay = (s: Served) => hooks.relay?.(s) ?? plain(s);
  if (first === null) {
    return new Response(earlyStream({ api, attempt, heartbeatMs: hb, relay, onError: (e) => done(200, { error: e.message }) }), {
      headers: { ...SSE_HEADERS, "x-wayfront-request-id": id },
    });
  }
  const res = first.sent.response;
  // A hook's relay goes first: it may make events of a non-SSE answer (the Responses handler
  // translates a chat server's JSON completion).
  const own = hooks.relay?.(first) ?? null;
  if (!own && (!res.body || !(res.headers.get("content-type") ?? "").includes("text/event-stream"))) {
    // Some servers answer a stream request with plain JSON (e.g. an error with 200); pass it on.
    done(res.status, { upstream: first.upstream.config.name, attempts: first.attempts });
    return new Response(res.body, { status: res.status, headers: clientHeaders(res.headers, servedHeaders(first, id)) });
  }
  const extra = hooks.headers?.(first);
  return new Response(own ?? plain(first), { status: res.status, headers: clientHeaders(res.headers, { ...SSE_HEADERS, ...servedHeaders(first, id), ...extra }) });
}
