// POST /v1/messages/count_tokens: how many input tokens a Messages request is, as
// `{"input_tokens": n}` (all Claude Code reads). Asked of the model's first target, best
// source first:
//   1. an upstream that speaks Messages answers count_tokens itself (Anthropic, vLLM);
//   2. a server with a tokenizer endpoint at its root, `POST /tokenize` (llama.cpp takes
//      `content`, vLLM `prompt`; both answer the tokens), is given the prompt's text as the
//      chat translation lays it out — exact for the text, without the chat template's few
//      framing tokens;
//   3. otherwise the gateway's own estimate (4 characters a token, images flat; router/fit.ts).
// The answer's `x-wayfront-token-count` header says which one it was.
import type { Gateway } from "../gateway.ts";
import type { ClientKey } from "../../auth/key.ts";
import { mayUse, modelNotAllowed } from "../../auth/admit.ts";
import { PROTOCOLS, type Json } from "../../protocol/apis.ts";
import { ANTHROPIC_ERRORS, GatewayError, errorResponse, toGatewayError } from "../../protocol/errors.ts";
import { parseBody } from "../../protocol/validate.ts";
import type { ChatRequest } from "../../protocol/chat.ts";
import { estimateTokens } from "../../router/fit.ts";
import { resolveRoute } from "../../router/resolve.ts";
import { rewriteModel } from "../../protocol/model-field.ts";
import { authHeaders, type UpstreamState } from "../../upstream/registry.ts";
import { speaks } from "../../upstream/wire.ts";
import { rootOf } from "../../upstream/runtime.ts";
import { stepFreeNow } from "../../upstream/clock.ts";
import { readBody } from "../body.ts";

const ASK_TIMEOUT_MS = 5_000;
/**
 * A server that answered /tokenize with "no such route" (Ollama, most OpenAI-compatible
 * servers) is not asked again for this long: every count would otherwise translate the whole
 * request and make a round trip to the GPU box only to fall back to the estimate.
 */
const NO_TOKENIZER_MS = 10 * 60_000;
const noTokenizerUntil = new WeakMap<UpstreamState, number>();
const spec = PROTOCOLS.messages;

type Counted = { tokens: number; source: "upstream" | "tokenizer" | "estimate" };

const count = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : null);

/** The JSON answer, or the status of a refusal (0 when nothing usable came: down, slow, not JSON). */
async function ask(s: UpstreamState, url: string, body: string, headers: Record<string, string>): Promise<Json | number> {
  try {
    const res = await s.fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers, ...authHeaders(s.config) },
      signal: AbortSignal.timeout(ASK_TIMEOUT_MS),
      redirect: "manual",
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return res.status;
    }
    return (await res.json()) as Json;
  } catch {
    return 0; // unreachable, slow or not JSON: the next source answers
  }
}

const json = (got: Json | number): Json | null => (typeof got === "number" ? null : got);

/** The prompt's text as a chat template would see it: system, each message, the tool schemas. */
function promptText(chat: ChatRequest): string {
  const parts: string[] = [];
  for (const m of chat.messages) {
    if (typeof m.content === "string") parts.push(m.content);
    else if (Array.isArray(m.content)) for (const p of m.content) if (typeof p.text === "string") parts.push(p.text);
    for (const tc of m.tool_calls ?? []) parts.push(tc.function.name, tc.function.arguments);
  }
  if (chat.tools?.length) parts.push(JSON.stringify(chat.tools));
  return parts.join("\n");
}

async function countFor(gw: Gateway, text: string, body: Json, model: string): Promise<Counted> {
  const route = await resolveRoute(model, gw.config, gw.registry);
  const target = route.targets[0];
  const s = target ? gw.registry.get(target.upstream) : undefined;
  if (s && target) {
    if (await speaks(s, "messages")) {
      const ours = rewriteModel(text, target.model) ?? text;
      const got = json(await ask(s, `${s.config.baseUrl}/messages/count_tokens`, ours, { "anthropic-version": "2023-06-01" }));
      const n = count(got?.input_tokens);
      if (n !== null) return { tokens: n, source: "upstream" };
    }
    const tokenizerGone = (noTokenizerUntil.get(s) ?? 0) > stepFreeNow();
    if (s.config.tier === "local" && !s.config.demo && !tokenizerGone && spec.translationCheck?.Check(body)) {
      const prompt = promptText(spec.fromChat!.request(body, { acceptsReasoningEffort: false }).chat);
      const answer = await ask(s, `${rootOf(s)}/tokenize`, JSON.stringify({ model: target.model, content: prompt, prompt }), {});
      if (answer === 404 || answer === 405 || answer === 501) noTokenizerUntil.set(s, stepFreeNow() + NO_TOKENIZER_MS);
      const got = json(answer);
      const n = count(got?.count) ?? (Array.isArray(got?.tokens) ? got.tokens.length : null);
      if (n !== null) return { tokens: n, source: "tokenizer" };
    }
  }
  return { tokens: estimateTokens(body, spec.prompt!), source: "estimate" };
}

export function countTokensEndpoint(gw: Gateway) {
  return async function countTokens(request: Request, key: ClientKey | null): Promise<Response> {
    try {
      const s = gw.config.server;
      const text = await readBody(request, s.bodyLimit, s.bodyTimeoutMs);
      const body = parseBody(spec, text, s.maxJsonDepth) as unknown as Json & { model: string };
      if (!mayUse(key, body.model)) throw modelNotAllowed(body.model);
      const counted = await countFor(gw, text, body, body.model);
      return new Response(JSON.stringify({ input_tokens: counted.tokens }), {
        headers: { "content-type": "application/json", "x-wayfront-token-count": counted.source },
      });
    } catch (err) {
      const e = toGatewayError(err);
      if (!(err instanceof GatewayError)) gw.log.event("error", "count_tokens failed", { message: e.message });
      return errorResponse(e, undefined, ANTHROPIC_ERRORS);
    }
  };
}
