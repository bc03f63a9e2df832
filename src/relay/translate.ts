// The stage that turns a chat-only upstream's stream into the event stream of the protocol
// the client asked for (Responses, Messages): each chat chunk goes through the row's state
// machine and out as whole typed events (`event:` named by their type). A stream that dies,
// or ends without saying it finished, ends with that protocol's failure events, so a client
// never mistakes a cut-off answer for a complete one.
import { GatewayError } from "../protocol/errors.ts";
import type { ChatChunk, ChatCompletion } from "../protocol/chat.ts";
import type { StreamTranslator } from "../protocol/apis.ts";
import { completionAsChunk } from "../protocol/translate/final.ts";
import { eventText, type SseEvent } from "../protocol/sse.ts";
import { Batch, type Source } from "./frames.ts";
import { streamInterrupted } from "./heartbeat.ts";
import type { Stage, StageStep } from "./stream.ts";

const encoder = new TextEncoder();

type Typed = { type: string };

function batchOf(events: Typed[]): Batch | null {
  return Batch.encode(
    events.map((ev): SseEvent => {
      const data = JSON.stringify(ev);
      return { event: ev.type, data, raw: eventText(data, ev.type) };
    }),
  );
}

const FINISH = /"finish_reason":\s*"/;

export function translateStage(t: StreamTranslator, upstreamName: string): Stage {
  let sawFinish = false;
  const failed = (e: GatewayError) => t.fail({ message: e.message, code: e.code ?? undefined });
  return {
    name: "from-chat",
    // response.created / message_start at once: the client sees the answer begin even while
    // a local model is still loading.
    open: () => batchOf(t.start()),
    push(b): StageStep {
      const events: Typed[] = [];
      for (const ev of b.events) {
        if (FINISH.test(ev.data)) sawFinish = true;
        const data = ev.data.trim();
        if (data === "[DONE]") {
          events.push(...t.finish());
          return { out: batchOf(events), end: true };
        }
        let chunk: ChatChunk & { error?: { message?: string; code?: string } };
        try {
          chunk = JSON.parse(data);
        } catch {
          continue; // not JSON (a server's own keep-alive): nothing to translate
        }
        if (chunk.error) {
          // A chat stream's terminal error event (what OpenAI and vLLM send mid-stream).
          const message = `Upstream \`${upstreamName}\` reported an error mid-stream: ${chunk.error.message ?? "unknown error"}`;
          const e = new GatewayError("upstream_error", message, { code: chunk.error.code ?? "upstream_error" });
          events.push(...failed(e));
          return { out: batchOf(events), end: e };
        }
        if (!Array.isArray(chunk.choices)) chunk.choices = [];
        events.push(...t.push(chunk));
      }
      return { out: batchOf(events) };
    },
    close() {
      // No [DONE]: complete if the upstream gave a finish_reason (some servers omit [DONE]),
      // otherwise the answer was cut off.
      const error = sawFinish ? undefined : streamInterrupted(upstreamName, "no finish_reason and no [DONE]");
      return { out: batchOf(error ? failed(error) : t.finish()), error };
    },
    fail: (e) => batchOf(failed(e))?.bytes ?? new Uint8Array(0),
  };
}

/**
 * A whole JSON answer to a stream request (some servers ignore `stream: true`) as a source
 * of chat events, so the translator gives the same sequence a streamed answer would. Not a
 * chat completion (an error object, garbage): the stream fails with that said.
 */
export function completionSource(text: string, upstreamName: string): Source {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON at all: reported below
  }
  let sent = false;
  return {
    async read() {
      if (sent) return null;
      sent = true;
      if (parsed && typeof parsed === "object" && Array.isArray((parsed as ChatCompletion).choices)) {
        const data = JSON.stringify(completionAsChunk(parsed as ChatCompletion));
        return new Batch(encoder.encode(`data: ${data}\n\ndata: [DONE]\n\n`));
      }
      const upstreamMessage = (parsed as { error?: { message?: unknown } } | null)?.error?.message;
      const why = typeof upstreamMessage === "string" ? `an error: ${upstreamMessage}` : "something that is not a chat completion";
      throw new GatewayError("upstream_error", `Upstream \`${upstreamName}\` answered a stream request with ${why}.`, { code: "upstream_error" });
    },
    cancel() {},
  };
}
