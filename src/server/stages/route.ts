// Route: the model name → the targets that may serve it, each with the wire its upstream
// speaks for this request, and the body changes each target needs. A protocol with a
// fallback wire (Responses → chat) learns each upstream's wire (probing once per upstream)
// and drops targets that cannot serve this turn.
import type { Exchange } from "../exchange.ts";
import type { Api } from "../../protocol/apis.ts";
import { GatewayError } from "../../protocol/errors.ts";
import { checkOrThrow } from "../../protocol/validate.ts";
import { resolveRoute } from "../../router/resolve.ts";
import type { PlannedRoute } from "../../router/attempt.ts";
import { DEFAULT_TRANSFORMS, localBody, type Transform } from "../../router/transforms.ts";
import { speaks } from "../../upstream/wire.ts";
import { expandHistory } from "./conversation.ts";
import { toFallbackWire, translationFor } from "./translate.ts";
import { clampOutput } from "./max-tokens.ts";

export async function route(x: Exchange): Promise<void> {
  const base = await resolveRoute(x.body.model, x.config, x.registry);
  const wires = new Map<string, Api>();
  const fallback = x.spec.fallbackWire;
  let targets = base.targets;
  if (fallback) {
    const names = [...new Set(targets.map((t) => t.upstream))];
    await Promise.all(names.map(async (n) => wires.set(n, (await speaks(x.registry.get(n)!, x.spec.api)) ? x.spec.api : fallback)));
    const prev = x.turn?.req.previous_response_id;
    if (prev && !x.turn?.expanded) {
      // Not ours: only an upstream with its own store can know it.
      targets = targets.filter((t) => wires.get(t.upstream) === x.spec.api);
      if (targets.length === 0) {
        throw new GatewayError("not_found", `Previous response with id '${prev}' not found.`, {
          param: "previous_response_id",
          code: "previous_response_not_found",
        });
      }
    }
    // A translation reads every item, so it needs the strict check; a passthrough target judges the request itself.
    const strict = x.spec.translationCheck;
    if (strict && targets.some((t) => wires.get(t.upstream) !== x.spec.api)) checkOrThrow(strict, x.body);
  }
  const r: PlannedRoute = { ...base, targets, wires };
  x.route = r;
  x.transforms = transformsFor(x);
  x.warnings = knownWarnings(x, r);
}

function transformsFor(x: Exchange): readonly Transform[] {
  const own: Transform[] = [];
  if (x.turn) own.push(expandHistory(x.turn));
  if (x.spec.fromChat) own.push(toFallbackWire(x));
  if (x.spec.maxTokensField) own.push(clampOutput(x));
  if (x.spec.localBody) own.push(localBody);
  return own.length ? [...own, ...DEFAULT_TRANSFORMS] : DEFAULT_TRANSFORMS;
}

/**
 * What a translation drops (tools a chat server cannot run…) depends only on the request,
 * so when every target is translated (or none is) the warning is known before any target
 * answers: it is set even on a stream committed early, on cache hits and on errors. Null
 * for a mixed route: then only the target that served knows.
 */
function knownWarnings(x: Exchange, r: PlannedRoute): string[] | null {
  const translated = r.targets.map((t) => (r.wires.get(t.upstream) ?? x.spec.api) !== x.spec.api);
  if (translated.every((t) => !t)) return [];
  if (translated.every((t) => t) && x.spec.fromChat) return translationFor(x, { cloud: false }).warnings;
  return null;
}
