// The answer's length bound, clamped to what a target can produce. Claude Code asks for
// 32 000–128 000 output tokens, sized for Anthropic's models; a local model with a 32k context
// answers such a request with an error (vLLM: "max_tokens is too large") or not at all. So a
// protocol whose row names its bound field gets it lowered to the room the target's context
// window leaves after the prompt — known only when the target's window is (config
// model_info, or what its /models reports); otherwise the request goes as sent.
import { promptTokens, type Exchange } from "../exchange.ts";
import type { Transform, TransformContext } from "../../router/transforms.ts";

/** Never clamp below this (or a quarter of a small window): the prompt estimate is rough. */
const MIN_BOUND = 1024;

/** The most output tokens this target can give this request, or undefined when its window is unknown. */
export function outputBound(x: Exchange, c: TransformContext): number | undefined {
  const field = x.spec.maxTokensField;
  if (!field || !x.spec.prompt) return undefined;
  const window = x.registry.infoOf(c.target.upstream, c.target.model).contextWindow;
  if (!window) return undefined;
  const asked = (x.body as Record<string, unknown>)[field];
  const room = Math.max(window - promptTokens(x), Math.min(MIN_BOUND, Math.floor(window / 4)));
  return typeof asked === "number" && asked > 0 ? Math.min(asked, room) : room;
}

/** The bound field lowered in a body sent as is (a translated body carries its own). */
export function clampOutput(x: Exchange): Transform {
  return {
    name: "clamp-max-tokens",
    apply(p, c) {
      const field = x.spec.maxTokensField;
      if (!field || p.translation) return p;
      const bound = outputBound(x, c);
      const asked = (x.body as Record<string, unknown>)[field];
      if (bound === undefined || typeof asked !== "number" || asked <= bound) return p;
      return { ...p, body: JSON.stringify({ ...JSON.parse(p.body), [field]: bound }) };
    },
  };
}
