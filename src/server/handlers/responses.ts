// POST /v1/responses on any upstream. A target that speaks Responses gets the request as
// is; a chat-only one gets it translated to /chat/completions (protocol/translate) and its
// answer translated back, streamed or not. With `store` (default true, as in OpenAI's API)
// the conversation is kept so `previous_response_id` works even when the upstream keeps
// nothing; an id we stored is expanded into the full input for every target, since no
// upstream ever saw our ids.
//
// What a translation drops (tools a chat server cannot run…) depends only on the request,
// so when every target is chat-only (or every one speaks Responses) the x-wayfront-warning
// header is known before any target answers: it is set even on a stream committed early
// (relay/early.ts), on cache hits, and repeated as an SSE comment at the stream's start.
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { Gateway } from "../gateway.ts";
import { attemptTargets, passThrough, type Prepare } from "../../router/attempt.ts";
import { resolveRoute, type Route } from "../../router/resolve.ts";
import { parseBody, type ParsedBody } from "../../protocol/validate.ts";
import { GatewayError, errorResponse, toGatewayError } from "../../protocol/errors.ts";
import { ResponsesRequest } from "../../protocol/responses.ts";
import type { ChatCompletion } from "../../protocol/chat.ts";
import { responsesToChat, type RequestTranslation } from "../../protocol/translate/request.ts";
import { ChatToResponsesStream } from "../../protocol/translate/stream.ts";
import { chatCompletionToResponse } from "../../protocol/translate/final.ts";
import { clientHeaders } from "../../upstream/headers.ts";
import { upstreamWire, type Wire } from "../../upstream/wire.ts";
import { translateChatJson, translateChatSse, type TranslateEnd } from "../../relay/translate-stream.ts";
import { DEFAULT_NAMESPACE, inputItems } from "../../db/responses.ts";
import type { StoredResponses } from "../../db/stored-responses.ts";
import { readBody } from "../body.ts";
import { requestScope } from "../request-scope.ts";
import { cacheReport, servedHeaders, streamed } from "./proxy.ts";
import { warningsOf, withWarnings, type Translated } from "./warnings.ts";

const checkRequest = TypeCompiler.Compile(ResponsesRequest);

/** One request's facts, worked out before any target is tried. */
interface Turn {
  body: ParsedBody;
  req: ResponsesRequest;
  namespace: string;
  /** The whole conversation as input items: stored history, then this turn's input. */
  conversation: unknown[];
  expanded: boolean;
  store: boolean;
  responseId: string;
  /** Translations by "accepts reasoning_effort": the rest of the chat request is the same for every target. */
  translations: Map<boolean, RequestTranslation>;
}

/** Client keys will pick the namespace; until then every caller shares one. */
function namespaceOf(_request: Request): string {
  return DEFAULT_NAMESPACE;
}

function isSse(res: Response): boolean {
  return (res.headers.get("content-type") ?? "").includes("text/event-stream");
}

export function responsesHandler(gw: Gateway) {
  const store = gw.responses;
  return async function responses(request: Request): Promise<Response> {
    const { id, started, log, done, fail } = requestScope(request, gw);
    // An answer stitched from two targets mid-stream is complete but never cached.
    let stitched = false;
    try {
      const text = await readBody(request, gw.config.server.bodyLimit);
      const body = parseBody("responses", text);
      log.model = body.model;
      log.stream = body.stream;
      const turn = await startTurn(body, store, namespaceOf(request));
      const route = await planRoute(turn, await resolveRoute(body.model, gw.config, gw.registry), gw);
      log.route = route.name;
      const known = knownWarnings(turn, route);
      const prepare = prepareFor(turn, text, route.wires);
      const keep = (r: Parameters<StoredResponses["put"]>[2]) => {
        if (!turn.store) return;
        try {
          store.put(turn.namespace, turn.conversation, r);
        } catch (err) {
          gw.log.event("warn", "could not store response", { id: r.id, message: (err as Error).message });
        }
      };
      // The prompt cache wraps the whole answer (cache/gateway-cache.ts); a replayed answer is
      // kept like a fresh one, so previous_response_id works on its (fresh) id too.
      const answer = async (signal: AbortSignal): Promise<Response> => {
      try {
      const attempt = attemptTargets({ api: "responses", route, bodyText: text, body, stream: body.stream, clientHeaders: request.headers, signal, prepare, startedAt: started, onSeam: () => (stitched = true) }, gw);
      if (body.stream) {
        const res = await streamed("responses", attempt, gw, id, done, {
          headers: warningsOf,
          relay: (s) => {
            const t = s.prepared.translation as Translated | undefined;
            if (!t) return null;
            const translator = new ChatToResponsesStream({ model: body.model, toolNames: t.translation.toolNames, responseId: turn.responseId, request: turn.req });
            const o = {
              translator,
              heartbeatMs: gw.config.server.heartbeatMs,
              upstreamName: s.upstream.config.name,
              abortUpstream: s.sent.abort,
              warning: warningsOf(s)["x-wayfront-warning"],
              onEnd: (end: TranslateEnd) => {
                done(200, { upstream: s.upstream.config.name, attempts: s.attempts, error: end.error?.message });
                if (end.response) keep(end.response);
              },
            };
            // A server that ignored `stream: true` sent one JSON completion (already read whole).
            if (!isSse(s.sent.response)) return translateChatJson(s.text ?? "", o);
            return translateChatSse(s.sent.response.body!, o);
          },
        });
        return withWarnings(res, known);
      }
      const served = await attempt;
      const res = served.sent.response;
      const headers = servedHeaders(served, id);
      const t = served.prepared.translation as Translated | undefined;
      if (!t) {
        done(res.status, { upstream: served.upstream.config.name, attempts: served.attempts });
        return new Response(res.body, { status: res.status, headers: clientHeaders(res.headers, headers) });
      }
      const completion = (await res.json().catch(() => null)) as ChatCompletion | null;
      if (!completion || !Array.isArray(completion.choices)) {
        throw new GatewayError("upstream_error", `Upstream \`${served.upstream.config.name}\` answered with something that is not a chat completion.`);
      }
      const response = chatCompletionToResponse(completion, { model: body.model, toolNames: t.translation.toolNames, responseId: turn.responseId, request: turn.req });
      keep(response);
      done(200, { upstream: served.upstream.config.name, attempts: served.attempts });
      return Response.json(response, { headers: { ...headers, ...warningsOf(served) } });
      } catch (err) {
        const e = toGatewayError(err);
        done(e.status, { error: e.message });
        return errorResponse(e, { "x-wayfront-request-id": id });
      }
      };
      const cacheReq = { api: "responses" as const, route, body, headers: request.headers, signal: request.signal, requestId: id, onReplay: keep, unstorable: () => stitched };
      return withWarnings(await gw.cache.serve(cacheReq, answer, cacheReport(log, done)), known);
    } catch (err) {
      return fail(err);
    }
  };
}

async function startTurn(body: ParsedBody, store: StoredResponses, namespace: string): Promise<Turn> {
  const req = body as unknown as ResponsesRequest;
  const own = typeof req.input === "string" || Array.isArray(req.input) ? inputItems(req.input) : [];
  const prev = req.previous_response_id;
  const history = prev ? await store.history(namespace, prev) : null;
  return {
    body,
    req,
    namespace,
    conversation: history ? [...history, ...own] : own,
    expanded: history !== null,
    store: req.store !== false,
    responseId: `resp_${crypto.randomUUID().replaceAll("-", "")}`,
    translations: new Map(),
  };
}

/** This turn as a chat request, made once per reasoning_effort setting and shared by targets. */
function translationFor(turn: Turn, acceptsReasoningEffort: boolean): RequestTranslation {
  let t = turn.translations.get(acceptsReasoningEffort);
  if (!t) {
    const req = { ...turn.req, input: turn.conversation as ResponsesRequest["input"] };
    t = responsesToChat(req, { acceptsReasoningEffort });
    turn.translations.set(acceptsReasoningEffort, t);
  }
  return t;
}

/**
 * The warnings every target would give, when that is known before trying one: none when all
 * speak Responses, the translation's when all are chat-only (they don't depend on the target
 * beyond reasoning_effort, which warns nothing); null for a mixed route.
 */
function knownWarnings(turn: Turn, route: PlannedRoute): string[] | null {
  const wires = route.targets.map((t) => route.wires.get(t.upstream));
  if (wires.every((w) => w === "responses")) return [];
  if (wires.every((w) => w === "chat")) return translationFor(turn, false).warnings;
  return null;
}

interface PlannedRoute extends Route {
  wires: Map<string, Wire>;
}

/** Learn each target's wire (probing once per upstream) and drop targets that cannot serve this turn. */
async function planRoute(turn: Turn, route: Route, gw: Gateway): Promise<PlannedRoute> {
  const names = [...new Set(route.targets.map((t) => t.upstream))];
  const wires = new Map<string, Wire>();
  await Promise.all(names.map(async (n) => wires.set(n, await upstreamWire(gw.registry.get(n)!))));
  let targets = route.targets;
  const prev = turn.req.previous_response_id;
  if (prev && !turn.expanded) {
    // Not ours: only an upstream with its own Responses store can know it.
    targets = targets.filter((t) => wires.get(t.upstream) === "responses");
    if (targets.length === 0) {
      throw new GatewayError("not_found", `Previous response with id '${prev}' not found.`, { param: "previous_response_id", code: "previous_response_not_found" });
    }
  }
  if (targets.some((t) => wires.get(t.upstream) === "chat") && !checkRequest.Check(turn.req)) {
    const e = checkRequest.Errors(turn.req).First()!;
    const param = e.path.split("/").filter(Boolean).join(".") || null;
    throw new GatewayError("invalid_request", `Invalid value for '${param}': ${e.message.toLowerCase()}.`, { param, code: "invalid_type" });
  }
  return { ...route, targets, wires };
}

function prepareFor(turn: Turn, text: string, wires: Map<string, Wire>): Prepare {
  const plain = passThrough("responses", text);
  return (target, upstream) => {
    if (wires.get(target.upstream) === "responses") {
      if (!turn.expanded) return plain(target, upstream);
      const { previous_response_id: _, ...rest } = turn.body;
      return { path: "/responses", body: JSON.stringify({ ...rest, model: target.model, input: turn.conversation }) };
    }
    // reasoning_effort is an OpenAI-hosted parameter; llama.cpp and Ollama reject or ignore
    // unknown effort values, so only cloud-tier upstreams get it.
    const translation = translationFor(turn, upstream.config.tier === "cloud");
    const translated: Translated = { translation };
    return { path: "/chat/completions", body: JSON.stringify({ ...translation.chat, model: target.model }), translation: translated };
  };
}
