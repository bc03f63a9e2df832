// The request path, top to bottom. Every generating endpoint (chat, Responses, completions,
// embeddings: one row each in protocol/apis.ts) runs these stages in this order over one
// Exchange (exchange.ts); no stage calls back up, each returns and the next one runs:
//
//   open      exchange.ts          id, log line, config snapshot
//   admit     stages/admit.ts      the client key (auth/admit.ts), then the model it may use
//   parse     stages/parse.ts      body within the limit, lenient check by the protocol's schema
//   turn      stages/conversation  stored history (protocols with conversations)
//   route     stages/route.ts      model → targets, each upstream's wire, per-target transforms
//   lookup    cache/front.ts       replay a hit, follow a flight in progress, or go (leading one)
//   attempt   router/attempt.ts    try targets until one answers: a typed result, never HTTP
//   adapt     stages/adapt.ts      passthrough or translate to the client's protocol
//   respond   respond.ts           the one maker of HTTP: headers, early commit, stream, errors
//   finish    exchange.ts          once: log line, metrics, the upstream's slot, cache record
import type { Gateway } from "./gateway.ts";
import type { ProtocolSpec } from "../protocol/apis.ts";
import { namespaceOf, openExchange, routerContext } from "./exchange.ts";
import { admit, allowModel } from "./stages/admit.ts";
import { respond } from "./respond.ts";
import { parse } from "./stages/parse.ts";
import { startTurn } from "./stages/conversation.ts";
import { route } from "./stages/route.ts";
import { attemptTargets } from "../router/attempt.ts";
import { toGatewayError } from "../protocol/errors.ts";
import { cloudBlocked } from "./stages/budget.ts";

export function pipeline(spec: ProtocolSpec, gw: Gateway) {
  return async function serve(request: Request, remote: () => string | null): Promise<Response> {
    const x = openExchange(request, spec, gw, remote);
    try {
      await admit(x);
      await parse(x);
      await allowModel(x);
      if (spec.conversations) x.turn = await startTurn(x);
      await route(x);
      const found = await gw.cache.lookup({
        spec,
        route: x.route!,
        body: x.body,
        text: x.text,
        headers: request.headers,
        signal: request.signal,
        namespace: namespaceOf(x),
      });
      if (found.kind === "hit") return await respond(x, { kind: "hit", hit: found });
      if (found.kind === "follow") return await respond(x, { kind: "follow", follow: found });
      x.cache = found.outcome;
      x.lead = found.lead;
      const attempt = attemptTargets(
        {
          spec,
          route: x.route!,
          bodyText: x.text,
          body: x.body,
          stream: x.body.stream,
          clientHeaders: request.headers,
          // A flight's upstream request ends only when every client of it has left.
          signal: x.lead?.signal ?? request.signal,
          transforms: x.transforms,
          startedAt: x.arrived,
          noCloud: cloudBlocked(x),
        },
        routerContext(x),
      ).catch((error: unknown) => ({ ok: false as const, error: toGatewayError(error), attempts: 0, failures: [] }));
      return await respond(x, { kind: "attempt", attempt });
    } catch (err) {
      return respond(x, { kind: "error", error: err });
    }
  };
}
