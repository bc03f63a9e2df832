// Model name → the candidate targets that may serve it, in configured order.
// Precedence: an alias, then "upstream/model", then the upstreams' own model lists,
// then the wildcard alias "*" (substitution mode).
import type { AliasConfig, Config, Target } from "../config/resolve.ts";
import type { Registry } from "../upstream/registry.ts";
import { GatewayError } from "../protocol/errors.ts";

export interface Route {
  /** What the cache keys on and logs show: the alias, or "upstream/model". */
  name: string;
  alias: AliasConfig | null;
  targets: Target[];
  /** The target the client named explicitly, never filtered by fit or capability. */
  explicit: boolean;
}

export async function resolveRoute(model: string, config: Config, registry: Registry): Promise<Route> {
  const alias = config.aliases.get(model);
  if (alias) return { name: alias.name, alias, targets: alias.targets, explicit: false };

  const slash = model.indexOf("/");
  if (slash > 0) {
    const up = registry.get(model.slice(0, slash));
    if (up) return { name: model, alias: null, targets: [{ upstream: up.config.name, model: model.slice(slash + 1) }], explicit: true };
  }

  let serving = registry.serving(model);
  // Lists not fetched yet (just started) or the model was pulled a moment ago: refresh once.
  if (serving.length === 0 && !config.aliases.has("*")) {
    await registry.refresh();
    serving = registry.serving(model);
  }
  if (serving.length > 0) {
    const targets = serving.map((s) => ({ upstream: s.config.name, model }));
    // Local upstreams first: a model both the GPU box and the cloud serve runs locally.
    targets.sort((a, b) => tierRank(registry, a.upstream) - tierRank(registry, b.upstream));
    return { name: model, alias: null, targets, explicit: true };
  }

  const wildcard = config.aliases.get("*");
  if (wildcard) return { name: "*", alias: wildcard, targets: wildcard.targets, explicit: false };

  throw new GatewayError(
    "model_not_found",
    `The model \`${model}\` does not exist on this gateway. List the models it serves with GET /v1/models, ` +
      `or address one upstream directly as "upstream/model".`,
    { param: "model", code: "model_not_found" },
  );
}

function tierRank(registry: Registry, name: string): number {
  return registry.get(name)?.config.tier === "cloud" ? 1 : 0;
}
