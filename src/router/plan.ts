// Which targets may serve this request, in which order: the tier header, model fit and
// capabilities filter; warm-first and least-loaded ranking order (rank.ts).
import type { Tier } from "../config/resolve.ts";
import type { Registry } from "../upstream/registry.ts";
import type { Health } from "../upstream/health.ts";
import type { Route } from "./resolve.ts";
import { fits, needsOf } from "./fit.ts";
import type { ProtocolSpec } from "../protocol/apis.ts";
import { rank, type Candidate } from "./rank.ts";
import { GatewayError } from "../protocol/errors.ts";
import type { Target } from "../config/resolve.ts";

export interface PlannedTarget extends Candidate {
  target: Target;
}

export interface Plan {
  targets: PlannedTarget[];
  /** Why targets were left out, for the error when nothing is left. */
  skipped: string[];
}

export function planTargets(opts: {
  route: Route;
  spec: ProtocolSpec;
  body: unknown;
  tierHeader: string | null;
  registry: Registry;
  health: Health;
}): Plan {
  const { route, registry, health } = opts;
  const skipped: string[] = [];
  let cands = route.targets.map((t) => candidate(t, registry, health));

  const tier = opts.tierHeader?.trim().toLowerCase();
  if (tier === "local" || tier === "cloud") {
    cands = cands.filter((c) => (c.tier === tier ? true : (skipped.push(`${c.upstream}: not ${tier} (x-wayfront-route)`), false)));
    if (cands.length === 0) {
      throw new GatewayError("no_capacity", `No ${tier} target serves \`${route.name}\` (x-wayfront-route: ${tier}).`, {
        status: 503,
        code: "no_target_in_tier",
      });
    }
  } else if (tier) {
    throw new GatewayError("invalid_request", `x-wayfront-route must be "local" or "cloud", not "${tier}".`, {
      param: "x-wayfront-route",
      code: "invalid_header",
    });
  }

  // The model the client named itself is never second-guessed; Wayfront's own picks are.
  if (!route.explicit && opts.spec.prompt) {
    const needs = needsOf(opts.body, opts.spec.prompt, opts.spec.maxTokensField !== undefined);
    const fitting = cands.filter((c) => {
      const verdict = fits(registry.infoOf(c.upstream, c.model), needs);
      if (!verdict.ok) skipped.push(`${c.upstream}/${c.model}: ${verdict.reason}`);
      return verdict.ok;
    });
    if (fitting.length === 0) {
      throw new GatewayError("invalid_request", `No target of \`${route.name}\` can take this request: ${skipped.join("; ")}.`, {
        code: "no_fitting_target",
      });
    }
    cands = fitting;
  }
  if (cands.length === 1) return { targets: cands, skipped }; // the common case: nothing to rank
  const prefer: Tier = route.alias?.prefer ?? "local";
  return { targets: rank(cands, prefer), skipped };
}

function candidate(target: Target, registry: Registry, health: Health): PlannedTarget {
  const up = registry.get(target.upstream)!;
  const h = health.get(target.upstream);
  return {
    target,
    upstream: target.upstream,
    model: target.model,
    tier: up.config.tier,
    loaded: h.loaded ? h.loaded.has(target.model) : undefined,
    lastServed: h.lastServed.get(target.model) ?? 0,
    outstanding: h.admission.outstanding() + h.admission.queued(),
  };
}
