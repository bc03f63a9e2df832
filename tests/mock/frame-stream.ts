// Writes prepared SSE frames one by one, applying the stream-level faults (stall after the
// role chunk, drop after N content chunks, a delay between chunks) and stopping as soon as
// the client goes away.

import { encodeEvent } from "../../src/protocol/sse.ts";

export interface Frame {
  data: string;
  event?: string;
  /** Counts toward drop-after and is held back by stall-after-role (tokens, tool fragments). */
  content?: boolean;
}

export interface FrameStreamOptions {
  stallAfterRoleMs?: number;
  dropAfter?: number;
  tokenDelayMs: number;
  signal: AbortSignal;
  /** Called once the last frame is written, or when the mock drops the connection itself. */
  onEnd(how: "completed" | "dropped"): void;
  /** The client cancelled the body (disconnect); belt and braces with the request signal. */
  onCancel(): void;
}

/** Resolves after `ms`, or at once when `signal` aborts, so no timer outlives the client. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

// Bun writes enqueued chunks to the socket on a later event-loop turn (it corks writes), so
// an error in the same turn would reset the connection before headers or the earlier chunks
// left: the client would see a refused request, not a stream cut mid-way. Give it a turn, and
// the client time to read them: a reset that lands while they are still unread takes them with
// it (a client that had not read for 500 ms got none of them; 20 ms and then 100 ms were each
// not enough once in CI, with four test workers and Chromium on two cores). A clean close
// (FIN) would keep them, but Bun.serve gives a body no way to end without its last chunk
// other than this reset, or an idle timeout that takes 4 s to fire.
const FLUSH_GRACE_MS = 300;

/**
 * Erroring the body makes Bun close the socket mid chunked-encoding: the client sees a
 * truncated stream with no finish_reason and no [DONE], like a crashed server.
 */
async function cut(controller: ReadableStreamDefaultController<Uint8Array>, onEnd: (how: "dropped") => void) {
  await Bun.sleep(FLUSH_GRACE_MS);
  onEnd("dropped");
  // No reason argument: Bun 1.4 prints any error reason to stderr as if it were a crash.
  controller.error();
}

export function frameStream(frames: Frame[], opts: FrameStreamOptions): ReadableStream<Uint8Array> {
  let next = 0;
  let contentSent = 0;
  let stalled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (opts.signal.aborted) return;
      const frame = frames[next];
      if (frame === undefined) {
        opts.onEnd("completed");
        controller.close();
        return;
      }
      if (frame.content && contentSent === opts.dropAfter) {
        await cut(controller, opts.onEnd);
        return;
      }
      if (next > 0) await sleep(opts.tokenDelayMs, opts.signal);
      if (frame.content && !stalled) {
        stalled = true;
        await sleep(opts.stallAfterRoleMs ?? 0, opts.signal);
      }
      if (opts.signal.aborted) return;
      if (frame.content) contentSent++;
      next++;
      controller.enqueue(encodeEvent(frame.data, frame.event));
    },
    cancel() {
      opts.onCancel();
    },
  });
}

export function sseResponse(body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", ...headers },
  });
}

/** A non-streamed body cut in half: headers and part of the JSON, then a reset socket. */
export function truncatedBody(text: string, onEnd: (how: "dropped") => void): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode(text.slice(0, Math.floor(text.length / 2))));
        return;
      }
      return cut(controller, onEnd);
    },
  });
}
