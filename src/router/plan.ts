// Which targets may serve this request, in which order: the tier header, model fit and
// capabilities filter; warm-first and least-loaded ranking order (rank.ts).
import type { Tier } from "../config/resolve.ts";
import type { Registry } from "../upstream/registry.ts";
import type { Health } from "../upstream/health.ts";
import type { Route } from "./resolve.ts";
import { fits, needsOf, type Needs } from "./fit.ts";
import { contextLengthExceeded, type TooLong, tooLongFor, tooLongReason } from "./context-fit.ts";
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
  /** Targets left out because the request does not fit them, with why: logged by attempt.ts. */
  unfit: { target: string; reason: string }[];
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
  const unfit: Plan["unfit"] = [];
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
    const over: TooLong[] = [];
    const fitting = cands.filter((c) => {
      const reason = unfitReason(registry, c, needs, over);
      if (reason === null) return true;
      skipped.push(`${c.upstream}/${c.model}: ${reason}`);
      unfit.push({ target: `${c.upstream}/${c.model}`, reason });
      return false;
    });
    if (fitting.length === 0 && over.length === cands.length) {
      throw contextLengthExceeded({ route: route.name, tokens: needs.tokens, over, param: opts.spec.prompt.turns ?? opts.spec.prompt.texts });
    }
    if (fitting.length === 0) {
      throw new GatewayError("invalid_request", `No target of \`${route.name}\` can take this request: ${skipped.join("; ")}.`, {
        code: "no_fitting_target",
      });
    }
    cands = fitting;
  }
  if (cands.length === 1) return { targets: cands, skipped, unfit }; // the common case: nothing to rank
  const prefer: Tier = route.alias?.prefer ?? "local";
  return { targets: rank(cands, prefer), skipped, unfit };
}

/** Why this target can't take the request (null: it can); a context-only misfit also goes to `over`. */
function unfitReason(registry: Registry, c: PlannedTarget, needs: Needs, over: TooLong[]): string | null {
  const info = registry.infoOf(c.upstream, c.model);
  const verdict = fits(info, needs);
  if (verdict.ok) return null;
  // Capabilities are checked first, so a target that passes them failed on its window alone.
  const long = fits({ capabilities: info.capabilities }, needs).ok ? tooLongFor(registry, c.upstream, c.model, needs.tokens) : null;
  if (!long) return verdict.reason ?? "does not fit";
  over.push(long);
  return tooLongReason(long, needs.tokens);
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
