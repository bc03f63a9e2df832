// Hold an upstream stream back until its first *content* token. A local server can send
// headers and a role-only chunk at once and then stall while a model loads; until content
// arrives nothing of that answer has reached the client, so the request can still move to
// another target. What was held back is replayed in front of the rest of the stream.
import { SseParser } from "../protocol/sse.ts";
import { concat } from "./boundary.ts";

/** The wire format the upstream speaks on this attempt (after any translation). */
export type UpstreamWire = "chat" | "responses" | "completions";

export function wireOfPath(path: string): UpstreamWire {
  return path.endsWith("/responses") ? "responses" : path.endsWith("/chat/completions") ? "chat" : "completions";
}

/** Does this SSE data payload carry the start of an answer (or its end)? */
export function isContentEvent(wire: UpstreamWire, data: string): boolean {
  if (data === "[DONE]") return true;
  let ev: any;
  try {
    ev = JSON.parse(data);
  } catch {
    return true; // not ours to judge: let the client see it
  }
  if (ev?.error) return true;
  if (wire === "responses") {
    const t: string = ev?.type ?? "";
    return t !== "response.created" && t !== "response.in_progress" && t !== "response.output_item.added" && t !== "response.content_part.added";
  }
  for (const c of ev?.choices ?? []) {
    if (c?.finish_reason) return true;
    if (wire === "completions") {
      if (c?.text) return true;
      continue;
    }
    const d = c?.delta;
    if (d?.content || d?.tool_calls?.length || d?.reasoning_content || d?.reasoning || d?.function_call) return true;
  }
  return false;
}

export interface Held {
  /** The upstream body with the held-back prelude in front. */
  body: ReadableStream<Uint8Array>;
}

/**
 * Read until the first content event or the end of the stream. Rejects if `signal` aborts
 * first (the first-token timer or the client going away); the caller then aborts upstream.
 */
export async function holdUntilContent(body: ReadableStream<Uint8Array>, wire: UpstreamWire, signal: AbortSignal): Promise<Held> {
  const reader = body.getReader();
  const parser = new SseParser();
  let prelude: Uint8Array = new Uint8Array(0);
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  for (;;) {
    const { value, done } = await Promise.race([reader.read(), aborted]);
    if (done) break;
    prelude = prelude.length ? concat(prelude, value) : value;
    if (parser.push(value).some((ev) => isContentEvent(wire, ev.data))) break;
  }
  return { body: prepend(prelude, reader) };
}

function prepend(prelude: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  let first = prelude.length > 0;
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (first) {
        first = false;
        ctl.enqueue(prelude);
        return;
      }
      const { value, done } = await reader.read();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
