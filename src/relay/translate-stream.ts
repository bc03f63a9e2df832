// A chat-only upstream's SSE stream → the Responses event stream the client asked for.
// Each upstream chunk goes through the ChatToResponsesStream state machine and out as whole
// Responses events; heartbeats fill silences; a stream that dies (or ends without saying it
// finished) ends with `response.failed` + `error`, so a client never mistakes a cut-off
// answer for a complete one. A server that ignores `stream: true` and answers with one
// JSON completion gets the same event sequence, made from that completion at once.
import { SseParser } from "../protocol/sse.ts";
import { Heartbeat, streamInterrupted } from "./heartbeat.ts";
import { GatewayError } from "../protocol/errors.ts";
import type { ChatChunk, ChatCompletion } from "../protocol/chat.ts";
import type { ResponseObject, ResponsesEvent } from "../protocol/responses.ts";
import { serializeEvent, type ChatToResponsesStream } from "../protocol/translate/stream.ts";
import { completionAsChunk } from "../protocol/translate/final.ts";

export interface TranslateEnd {
  ok: boolean;
  cancelled: boolean;
  error?: GatewayError;
  /** The Response as it ended (completed, incomplete or failed); absent when cancelled. */
  response?: ResponseObject;
}

export interface TranslateRelayOptions {
  translator: ChatToResponsesStream;
  heartbeatMs: number;
  upstreamName: string;
  abortUpstream: (reason?: unknown) => void;
  onEnd?: (end: TranslateEnd) => void;
  /**
   * What the translation had to leave out (dropped tools…), sent first as an SSE comment.
   * The x-wayfront-warning header says the same, but a stream committed before the upstream
   * answered (relay/early.ts) may not have it yet; comments are ignored by every conforming
   * client (WHATWG HTML, "Interpreting an event stream": a line starting with ':' is skipped),
   * so this adds no event a Responses client could choke on.
   */
  warning?: string;
}

const encoder = new TextEncoder();

function encode(events: ResponsesEvent[]): Uint8Array | null {
  if (events.length === 0) return null;
  return encoder.encode(events.map(serializeEvent).join(""));
}

/** One SSE comment line; CR and LF would end the comment early, so they never get in. */
function warningComment(warning: string | undefined): Uint8Array | null {
  if (!warning) return null;
  return encoder.encode(`: x-wayfront-warning: ${warning.replace(/[\r\n]+/g, " ")}\n\n`);
}

interface Step {
  events: ResponsesEvent[];
  /** The upstream said the answer is complete ([DONE]) or failed (an error chunk). */
  end?: "done" | GatewayError;
}

/** One upstream SSE event → Responses events. */
function translateEvent(t: ChatToResponsesStream, data: string, upstreamName: string): Step {
  if (data.trim() === "[DONE]") return { events: t.finish(), end: "done" };
  let chunk: ChatChunk & { error?: { message?: string; code?: string } };
  try {
    chunk = JSON.parse(data);
  } catch {
    return { events: [] }; // not JSON (a server's own keep-alive): nothing to translate
  }
  if (chunk.error) {
    // A chat stream's terminal error event (what OpenAI and vLLM send mid-stream).
    const message = `Upstream \`${upstreamName}\` reported an error mid-stream: ${chunk.error.message ?? "unknown error"}`;
    const e = new GatewayError("upstream_error", message, { code: chunk.error.code ?? "upstream_error" });
    return { events: t.fail({ message: e.message, code: e.code ?? undefined }), end: e };
  }
  if (!Array.isArray(chunk.choices)) chunk.choices = [];
  return { events: t.push(chunk) };
}

export function translateChatSse(upstream: ReadableStream<Uint8Array>, o: TranslateRelayOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const parser = new SseParser();
  const t = o.translator;
  let beat: Heartbeat | null = null;
  let done = false;
  let sawFinish = false;

  const finish = (end: TranslateEnd) => {
    if (done) return;
    done = true;
    beat?.stop();
    o.onEnd?.(end);
  };
  const interrupted = (why: string): GatewayError => streamInterrupted(o.upstreamName, why);

  return new ReadableStream<Uint8Array>({
    start(ctl) {
      const note = warningComment(o.warning);
      if (note) ctl.enqueue(note);
      // response.created / in_progress at once: the client sees the response begin even
      // while a local model is still loading.
      ctl.enqueue(encode(t.start())!);
      beat = new Heartbeat(ctl, o.heartbeatMs, () => !done);
    },
    async pull(ctl) {
      try {
        for (;;) {
          const { value, done: eof } = await reader.read();
          if (eof) {
            // No [DONE]: complete if the upstream gave a finish_reason (some servers omit
            // [DONE]), otherwise the answer was cut off.
            const error = sawFinish ? undefined : interrupted("no finish_reason and no [DONE]");
            const events = error ? t.fail({ message: error.message, code: error.code ?? undefined }) : t.finish();
            const out = encode(events);
            if (out) ctl.enqueue(out);
            finish({ ok: !error, cancelled: false, error, response: t.response() });
            ctl.close();
            return;
          }
          const events: ResponsesEvent[] = [];
          let end: Step["end"];
          for (const ev of parser.push(value)) {
            if (/"finish_reason":\s*"/.test(ev.data)) sawFinish = true;
            const step = translateEvent(t, ev.data, o.upstreamName);
            events.push(...step.events);
            if (step.end) {
              end = step.end;
              break;
            }
          }
          const out = encode(events);
          if (out) {
            ctl.enqueue(out);
            beat?.touch();
          }
          if (end) {
            const error = end === "done" ? undefined : end;
            finish({ ok: !error, cancelled: false, error, response: t.response() });
            ctl.close();
            reader.cancel().catch(() => {});
            return;
          }
          if (out) return;
        }
      } catch (err) {
        if (done) return;
        const error = interrupted((err as Error)?.message ?? String(err));
        ctl.enqueue(encode(t.fail({ message: error.message, code: error.code ?? undefined }))!);
        finish({ ok: false, cancelled: false, error, response: t.response() });
        ctl.close();
      }
    },
    cancel(reason) {
      finish({ ok: false, cancelled: true });
      o.abortUpstream(reason);
      reader.cancel(reason).catch(() => {});
    },
  });
}

function isCompletion(v: unknown): v is ChatCompletion {
  return typeof v === "object" && v !== null && Array.isArray((v as ChatCompletion).choices);
}

/**
 * A whole JSON answer to a stream request (some servers ignore `stream: true`) → the same
 * Responses event sequence a streamed answer would give. A JSON error object, or anything
 * that is not a chat completion, ends in `response.failed` + `error`, never raw JSON on an
 * event stream.
 */
export function translateChatJson(text: string, o: Omit<TranslateRelayOptions, "abortUpstream" | "heartbeatMs">): ReadableStream<Uint8Array> {
  const t = o.translator;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON at all: reported below
  }
  const events = t.start();
  let error: GatewayError | undefined;
  if (isCompletion(parsed)) {
    events.push(...t.push(completionAsChunk(parsed)), ...t.finish());
  } else {
    const upstreamMessage = (parsed as { error?: { message?: unknown } } | null)?.error?.message;
    const why = typeof upstreamMessage === "string" ? `an error: ${upstreamMessage}` : "something that is not a chat completion";
    error = new GatewayError("upstream_error", `Upstream \`${o.upstreamName}\` answered a stream request with ${why}.`, { code: "upstream_error" });
    events.push(...t.fail({ message: error.message, code: error.code ?? undefined }));
  }
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      const note = warningComment(o.warning);
      if (note) ctl.enqueue(note);
      ctl.enqueue(encode(events)!);
      o.onEnd?.({ ok: !error, cancelled: false, error, response: t.response() });
      ctl.close();
    },
  });
}
