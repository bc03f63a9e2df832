// Stored conversations, for protocols whose row says `conversations` (Responses): with
// `store` (default true, as in OpenAI's API) a turn is kept so `previous_response_id` works
// even when the upstream keeps nothing; an id we stored is expanded into the full input for
// every target, since no upstream ever saw our ids. The turn also gives the per-target body
// change that needs it: the history expanded (stages/translate.ts reads it for chat targets).
import { namespaceOf, type Exchange } from "../exchange.ts";
import type { Turn } from "../turn.ts";
import type { ResponsesRequest } from "../../protocol/responses.ts";
import { inputItems } from "../../db/responses.ts";
import type { Transform } from "../../router/transforms.ts";

export async function startTurn(x: Exchange): Promise<Turn | null> {
  if (!x.spec.conversations) return null;
  const store = x.gw.responses;
  const req = x.body as unknown as ResponsesRequest;
  const namespace = namespaceOf(x);
  const own = typeof req.input === "string" || Array.isArray(req.input) ? inputItems(req.input) : [];
  const prev = req.previous_response_id;
  const history = prev ? await store.history(namespace, prev) : null;
  const turn: Turn = {
    req,
    namespace,
    conversation: history ? [...history, ...own] : own,
    expanded: history !== null,
    store: req.store !== false,
    responseId: `resp_${crypto.randomUUID().replaceAll("-", "")}`,
    keep(r) {
      try {
        if (!store.put(namespace, turn.conversation, r)) {
          x.gw.log.event("warn", "response not stored: larger than responses.max_bytes", { id: r.id, max_bytes: x.config.responses.maxBytes });
        } else if (x.gw.events.clear(UNWRITABLE)) x.gw.events.emit({ type: "responses_writes_back" });
      } catch (err) {
        // A full disk or a read-only card fails every turn: said once, with the first id lost,
        // not a line per turn (on the very disk that is full).
        x.gw.events.once(UNWRITABLE, () => ({ type: "responses_writes_failing", id: r.id, reason: (err as Error).message }));
      }
    },
  };
  return turn;
}

const UNWRITABLE = "responses_writes_failing";

/** An id we stored, sent as the whole input to a target that speaks Responses (it never saw our ids). */
export function expandHistory(turn: Turn): Transform {
  return {
    name: "expand-history",
    apply(p, c) {
      if (!turn.expanded || p.wire !== c.api) return p;
      const { previous_response_id: _, ...rest } = JSON.parse(p.body);
      return { ...p, body: JSON.stringify({ ...rest, input: turn.conversation }) };
    },
  };
}
