// Adapt: what a target served → what the client's protocol expects. The same protocol is
// passed through (a stream relayed event by event, a whole answer byte for byte); another
// protocol is translated by the row's fromChat (chat → Responses, chat → Messages), streamed
// or whole. It only describes the answer; respond.ts makes it HTTP.
import { promptTokens, type Exchange } from "../exchange.ts";
import type { Served } from "../../router/attempt.ts";
import type { ChatCompletion } from "../../protocol/chat.ts";
import { PROTOCOLS, type AnswerContext, type Json, type StreamTranslator } from "../../protocol/apis.ts";
import type { RequestTranslation } from "../../protocol/translate/request.ts";
import { GatewayError } from "../../protocol/errors.ts";
import type { Relay, Stage } from "../../relay/stream.ts";
import type { Source } from "../../relay/frames.ts";
import { stripUsageStage } from "../../relay/strip-usage.ts";
import { completionSource, translateStage } from "../../relay/translate.ts";
import { redactStage, redactText, secretsOf } from "../../relay/redact.ts";
import { freshId } from "../../cache/replay.ts";
import { continuing } from "./continue.ts";
import type { Usage } from "../../relay/usage.ts";
import { repairWhole, toolRepairStage } from "./tool-repair.ts";

export type Adapted =
  | {
      kind: "whole";
      status: number;
      text: string;
      /** the upstream's headers pass on (a passthrough) */
      passHeaders: boolean;
      /** read while the upstream's answer was checked; absent for a translated answer (its own text says) */
      usage?: Usage | null;
    }
  | { kind: "relay"; status: number; relay: Relay; translator: StreamTranslator | null };

/** What the translated answer says of the request: the client's model name, a fresh id. */
function answerContext(x: Exchange, t: RequestTranslation): AnswerContext {
  return {
    model: x.body.model,
    id: x.turn?.responseId ?? freshId(x.spec),
    toolNames: t.toolNames,
    request: x.turn?.req ?? (x.body as Json),
    inputTokens: promptTokens(x),
  };
}

export function adapt(x: Exchange, s: Served): Adapted {
  const translation = s.prepared.translation;
  const from = x.spec.fromChat;
  const name = s.upstream.config.name;
  const secrets = secretsOf(s.upstream.config);
  if (s.body.kind === "whole" && secrets.length) s.body = { ...s.body, text: redactText(s.body.text, secrets) };
  if (s.body.kind === "whole") s.body = { ...s.body, text: repairWhole(x, s, s.body.text) };
  if (!x.body.stream) {
    if (!translation || !from || s.body.kind !== "whole")
      return s.body.kind === "whole"
        ? { kind: "whole", status: s.status, text: s.body.text, passHeaders: true, usage: s.body.usage }
        : { kind: "whole", status: s.status, text: "", passHeaders: true, usage: null };
    let completion: ChatCompletion | null = null;
    try {
      completion = JSON.parse(s.body.text) as ChatCompletion;
    } catch {}
    if (!completion || !Array.isArray(completion.choices)) {
      throw new GatewayError("upstream_error", `Upstream \`${name}\` answered with something that is not a chat completion.`);
    }
    const answer = from.whole(completion, answerContext(x, translation));
    x.reply = answer;
    return { kind: "whole", status: 200, text: JSON.stringify(answer), passHeaders: false };
  }
  // A server that ignored `stream: true` sent one JSON answer (already read whole).
  if (s.body.kind === "whole" && !translation) return { kind: "whole", status: s.status, text: s.body.text, passHeaders: true, usage: s.body.usage };
  let source: Source = s.body.kind === "events" ? s.body.frames : completionSource(s.body.text, name);
  const wire = PROTOCOLS[s.prepared.wire];
  if (x.route?.alias?.midstream === "continue" && wire.continuation && s.body.kind === "events") source = continuing(x, s, source, wire.continuation);
  const stages: Stage[] = [];
  const redact = redactStage(secrets);
  if (redact) stages.push(redact);
  if (s.prepared.stripUsage && wire.stripUsage) stages.push(stripUsageStage(wire.stripUsage));
  // Before the translator: it must see a call, not the text the model wrote it as.
  const repair = toolRepairStage(x, s);
  if (repair) stages.push(repair);
  let translator: StreamTranslator | null = null;
  if (translation && from) {
    translator = from.stream(answerContext(x, translation));
    stages.push(translateStage(translator, name));
  }
  const ends = translator ? undefined : wire.streamEnd;
  return { kind: "relay", status: s.status, translator, relay: { source, stages, upstreamName: name, abort: s.abort, lease: s.lease, ends } };
}
