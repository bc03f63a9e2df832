// The error for a model name nothing resolves to. When some upstream could not be reached
// for its model list (connection refused, timed out, reset), the model may well be one of its own: a 404 would send
// the user hunting for a typo while the real cause is, say, Ollama not running. So that case
// is a 503 naming each such upstream and why; a 404 only when every upstream answered.
import type { Registry } from "../upstream/registry.ts";
import { displayUrl } from "../upstream/url.ts";
import { GatewayError } from "../protocol/errors.ts";

export function modelMissing(model: string, registry: Registry, retryAfterMs: number): GatewayError {
  // Only a server that gave no HTTP answer: one answering 401 or 404 to GET /models is up,
  // and its static `models` (or the other lists) are all it serves.
  const down = registry.list.filter((s) => s.unreachable);
  if (down.length === 0) {
    return new GatewayError(
      "model_not_found",
      `The model \`${model}\` does not exist on this gateway. List the models it serves with GET /v1/models, ` +
        `or address one upstream directly as "upstream/model".`,
      { param: "model", code: "model_not_found" },
    );
  }
  const why = down.map((s) => `${s.config.name} at ${displayUrl(s.config.baseUrl)}: ${s.lastError}`).join("; ");
  const [which, they] = down.length === 1 ? ["an upstream that is", "it is"] : [`one of ${down.length} upstreams that are`, "they are"];
  return new GatewayError(
    "upstream_unreachable",
    `No reachable upstream lists the model \`${model}\`; it may be served by ${which} down: ${why}. Try again once ${they} back.`,
    { param: "model", code: "upstream_unreachable", status: 503, headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } },
  );
}
