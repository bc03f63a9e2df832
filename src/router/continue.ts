// midstream = "continue": when a chat stream dies after content has reached the client,
// re-issue the request to the next target with the partial answer as an assistant prefix
// and stream the continuation into the same response. The seam is logged and counted.
// Chat wire only (a translated Responses request is chat on the wire too); the client
// sees one answer, with no second role chunk.
import type { Target } from "../config/resolve.ts";
import { concat, lastEventEnd } from "../relay/boundary.ts";
import { SseParser } from "../protocol/sse.ts";

export interface ContinueOptions {
  /** The chat body that was sent to the target that died. */
  sentBody: string;
  failed: Target;
  /** Start the continuation: resolves to its body (already held until first content). */
  resume: (prepare: (target: Target) => { path: string; body: string }, exclude: Set<string>) => Promise<{ body: ReadableStream<Uint8Array>; upstream: string }>;
  onSeam: (to: string, partialChars: number) => void;
}

const encoder = new TextEncoder();

export function continuing(body: ReadableStream<Uint8Array>, o: ContinueOptions): ReadableStream<Uint8Array> {
  let reader = body.getReader();
  let partial = "";
  let held: Uint8Array | null = null;
  let resumed = false; // the continuation's role-only prelude is still to be dropped
  let parser = new SseParser();
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      for (;;) {
        let value: Uint8Array | undefined;
        let done = false;
        try {
          ({ value, done } = await reader.read());
        } catch (err) {
          const next = await resume(err);
          reader = next.getReader();
          held = null;
          parser = new SseParser();
          resumed = true;
          continue;
        }
        if (done) return ctl.close();
        const buf: Uint8Array = held ? concat(held, value!) : value!;
        const end = lastEventEnd(buf);
        if (end === -1) {
          held = buf;
          continue;
        }
        held = end === buf.length ? null : buf.slice(end);
        const whole = end === buf.length ? buf : buf.subarray(0, end);
        const out = track(whole);
        if (out.length) return ctl.enqueue(out);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });

  /** Note the text so far; after a seam, drop the continuation's role-only chunks. */
  function track(bytes: Uint8Array): Uint8Array {
    const events = parser.push(bytes);
    let drop = false;
    const kept: string[] = [];
    for (const ev of events) {
      let chunk: any = null;
      try {
        chunk = JSON.parse(ev.data);
      } catch {}
      const delta = chunk?.choices?.[0]?.delta;
      if (typeof delta?.content === "string") partial += delta.content;
      if (resumed && delta && delta.role && !delta.content && !delta.tool_calls) {
        drop = true;
        continue;
      }
      if (resumed && delta?.content) resumed = false;
      kept.push(ev.raw);
    }
    return drop ? encoder.encode(kept.join("")) : bytes;
  }

  async function resume(cause: unknown): Promise<ReadableStream<Uint8Array>> {
    if (!partial) throw cause; // nothing reached the client that needs continuing
    const sent = JSON.parse(o.sentBody);
    const messages = [...(sent.messages ?? []), { role: "assistant", content: partial }];
    const prepare = (target: Target) => ({ path: "/chat/completions", body: JSON.stringify({ ...sent, model: target.model, messages }) });
    try {
      const next = await o.resume(prepare, new Set([`${o.failed.upstream}/${o.failed.model}`]));
      o.onSeam(next.upstream, partial.length);
      return withSeamComment(next.body, `${o.failed.upstream} → ${next.upstream}`);
    } catch {
      throw cause; // no one could continue: the client gets the terminal error event
    }
  }
}

/** The seam, visible to anyone reading the raw stream: an SSE comment, ignored by clients. */
function withSeamComment(body: ReadableStream<Uint8Array>, what: string): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (first) {
        first = false;
        return ctl.enqueue(encoder.encode(`: wayfront midstream continuation ${what}\n\n`));
      }
      const { value, done } = await reader.read();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
