// Translation, for a target whose upstream does not speak the client's protocol: the request
// as chat (the row's fromChat.request), made once per kind of target and shared by every
// target of that kind, and what the answer needs to know to be mapped back.
import type { Exchange } from "../exchange.ts";
import type { Json } from "../../protocol/apis.ts";
import type { RequestTranslation } from "../../protocol/translate/request.ts";
import type { Transform } from "../../router/transforms.ts";
import { outputBound } from "./max-tokens.ts";

/** The request a translation reads: a stored conversation's whole history, else the body as sent. */
function translatedBody(x: Exchange): Json {
  const turn = x.turn;
  return turn ? { ...turn.req, input: turn.conversation } : (x.body as Json);
}

/**
 * The request as chat. reasoning_effort is an OpenAI-hosted parameter (llama.cpp and Ollama
 * reject or ignore unknown values), so only cloud-tier targets get it; the output bound is
 * the target's own.
 */
export function translationFor(x: Exchange, o: { cloud: boolean; maxTokens?: number }): RequestTranslation {
  const key = `${o.cloud}:${o.maxTokens ?? ""}`;
  let t = x.translations.get(key);
  if (!t) {
    t = x.spec.fromChat!.request(translatedBody(x), { acceptsReasoningEffort: o.cloud, maxTokens: o.maxTokens });
    x.translations.set(key, t);
  }
  return t;
}

/** The request as chat, for a target that speaks only chat. */
export function toFallbackWire(x: Exchange): Transform {
  return {
    name: "to-chat",
    apply(p, c) {
      if (p.wire === c.api || !x.spec.fromChat) return p;
      const translation = translationFor(x, { cloud: c.upstream.config.tier === "cloud", maxTokens: outputBound(x, c) });
      return { ...p, body: JSON.stringify(translation.chat), translation };
    },
  };
}
