// Model name → the candidate targets that may serve it, in configured order.
// Precedence: an alias, then a prefix alias ("claude-*", the longest prefix that matches),
// then "upstream/model", then the upstreams' own model lists, then the wildcard alias "*"
// (substitution mode). Prefix aliases come before the upstreams' lists on purpose: a user
// who writes `[models."claude-*"]` means every Claude name Claude Code may send — the
// main model and the small background one, whatever version it is — even where a cloud
// upstream also lists that name.
import type { AliasConfig, Config, Target } from "../config/resolve.ts";
import type { Registry } from "../upstream/registry.ts";
import { modelMissing } from "./model-missing.ts";

export interface Route {
  /** What the cache keys on and logs show: the alias, or "upstream/model". */
  name: string;
  alias: AliasConfig | null;
  targets: Target[];
  /** The target the client named explicitly, never filtered by fit or capability. */
  explicit: boolean;
}

export async function resolveRoute(model: string, config: Config, registry: Registry): Promise<Route> {
  const alias = config.aliases.get(model) ?? prefixAlias(model, config);
  if (alias) return { name: alias.name, alias, targets: alias.targets, explicit: false };

  const slash = model.indexOf("/");
  if (slash > 0) {
    const up = registry.get(model.slice(0, slash));
    if (up) return { name: model, alias: null, targets: [{ upstream: up.config.name, model: model.slice(slash + 1) }], explicit: true };
  }

  let serving = registry.serving(model);
  // Lists not fetched yet (just started) or the model was pulled a moment ago: refresh once
  // (at most every MISS_REFRESH_MS, however many requests ask for names nobody serves).
  if (serving.length === 0 && !config.aliases.has("*")) {
    await registry.refreshForMiss();
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

  // Retry once the next probe may have found it back.
  throw modelMissing(model, registry, config.health.intervalMs);
}

/** The alias named `<prefix>*` with the longest prefix of `model`, if any. */
export function prefixAlias(model: string, config: Config): AliasConfig | undefined {
  let best: AliasConfig | undefined;
  for (const [name, a] of config.aliases) {
    if (name.length < 2 || !name.endsWith("*")) continue;
    const prefix = name.slice(0, -1);
    if (model.startsWith(prefix) && (!best || prefix.length > best.name.length - 1)) best = a;
  }
  return best;
}

/** An alias that is a rule ("*", "claude-*"), not a model a client can pick by that name. */
export const isPattern = (name: string): boolean => name.endsWith("*");

function tierRank(registry: Registry, name: string): number {
  return registry.get(name)?.config.tier === "cloud" ? 1 : 0;
}
