// The stage that turns a chat-only upstream's stream into the event stream of the protocol
// the client asked for (Responses, Messages): each chat chunk goes through the row's state
// machine and out as whole typed events (`event:` named by their type). A stream that dies,
// or ends without saying it finished, ends with that protocol's failure events, so a client
// never mistakes a cut-off answer for a complete one.
import { GatewayError } from "../protocol/errors.ts";
import type { ChatChunk, ChatCompletion } from "../protocol/chat.ts";
import type { StreamTranslator } from "../protocol/apis.ts";
import { completionAsChunk } from "../protocol/translate/final.ts";
import { DeltaChunkShape, type DeltaFrame, isDeltaWriter, writeDeltaBody } from "../protocol/translate/delta-chunks.ts";
import { eventText } from "../protocol/sse.ts";
import { ByteWriter } from "../protocol/byte-writer.ts";
import { Batch, type Source } from "./frames.ts";
import { streamInterrupted } from "./heartbeat.ts";
import type { Stage, StageStep } from "./stream.ts";

const encoder = new TextEncoder();

type Typed = { type: string };

const FINISH = /"finish_reason":\s*"/;

type ErrorChunk = ChatChunk & { error?: { message?: string; code?: string } };

/**
 * What a push writes its batch into. One for every stream: a push writes and takes it in one
 * synchronous go, and starts by emptying it, so a push that threw leaves nothing behind.
 */
const out = new ByteWriter();

/** Events as their SSE text, `event:` named by their type. */
function writeEvents(events: Typed[]): void {
  for (const ev of events) out.text(eventText(JSON.stringify(ev), ev.type));
}

/** What was written since the reset, as one batch (one enqueue), or null for nothing. */
function written(): Batch | null {
  return out.length === 0 ? null : new Batch(out.take());
}

/** These events alone, as one batch. */
function batchOf(events: Typed[]): Batch | null {
  out.reset();
  writeEvents(events);
  return written();
}

/**
 * The per-chunk fast path (protocol/translate/delta-chunks.ts), for a translator that can
 * write its own delta events: a chunk shaped like the last plain one goes out without a
 * JSON.parse, an event object or a JSON.stringify, as its event's fixed bytes around the
 * piece of text.
 */
function fastPath(t: StreamTranslator) {
  const writer = isDeltaWriter(t) ? t : null;
  const shape = new DeltaChunkShape();
  let matched = false;
  /** The frame of the last event written, whose tail is not: the next one's joins it to its head in one copy. */
  let open: DeltaFrame | null = null;
  return {
    /** Writes the event of the chunk whose data is at [from, to) of `text`; false when it must be parsed. */
    write(text: string, from: number, to: number): boolean {
      if (!writer) return false;
      matched = shape.match(text, from, to);
      // No finish_reason can be in a match: the shape was learnt from a chunk without one, and
      // none can form across the piece, whose quotes are all escaped (`"finish_reason":` needs
      // a quote right after a letter).
      const frame = matched ? writer.deltaFrame(shape.kind, shape.piece) : null;
      if (!frame) return false;
      if (open === frame) out.bytes(frame.joint);
      else {
        this.close();
        out.bytes(frame.head);
      }
      writeDeltaBody(out, frame, shape.piece, shape.plain);
      open = frame;
      return true;
    },
    /** Ends the last event written: before anything else is written, and at the batch's end. */
    close(): void {
      if (open) out.bytes(open.tail);
      open = null;
    },
    /** A new batch: nothing of the last one is open (one that threw may have left it so). */
    reset(): void {
      open = null;
      out.reset();
    },
    /** That chunk, parsed: its shape may fit the chunks after it. */
    learn(data: string, chunk: ChatChunk): void {
      if (writer && !matched) shape.learn(data, chunk);
    },
  };
}

export function translateStage(t: StreamTranslator, upstreamName: string): Stage {
  let sawFinish = false;
  const failed = (e: GatewayError) => t.fail({ message: e.message, code: e.code ?? undefined });
  const fast = fastPath(t);
  return {
    name: "from-chat",
    // response.created / message_start at once: the client sees the answer begin even while
    // a local model is still loading.
    open: () => batchOf(t.start()),
    push(b): StageStep {
      fast.reset();
      const { text: all, spans } = b.data;
      for (let i = 0; i < spans.length; i += 2) {
        if (fast.write(all, spans[i], spans[i + 1])) continue;
        fast.close();
        const data = all.slice(spans[i], spans[i + 1]);
        const finish = FINISH.test(data);
        if (finish) sawFinish = true;
        const text = data.trim();
        if (text === "[DONE]") {
          writeEvents(t.finish());
          return { out: written(), end: true };
        }
        let chunk: ErrorChunk;
        try {
          chunk = JSON.parse(text);
        } catch {
          continue; // not JSON (a server's own keep-alive): nothing to translate
        }
        if (chunk.error) {
          // A chat stream's terminal error event (what OpenAI and vLLM send mid-stream).
          const message = `Upstream \`${upstreamName}\` reported an error mid-stream: ${chunk.error.message ?? "unknown error"}`;
          const e = new GatewayError("upstream_error", message, { code: chunk.error.code ?? "upstream_error" });
          writeEvents(failed(e));
          return { out: written(), end: e };
        }
        if (!Array.isArray(chunk.choices)) chunk.choices = [];
        writeEvents(t.push(chunk));
        if (!finish) fast.learn(text, chunk);
      }
      fast.close();
      return { out: written() };
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
