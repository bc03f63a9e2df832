// The stage that turns tool calls a local model wrote as text into real tool calls, on the
// Chat Completions wire, before anything else reads the chunks: a chat client gets
// `tool_calls`, and the Responses and Messages translators after it see a call, not text.
// Text before a possible call goes on as it arrives; only from the first byte that could
// start a call is text held, until the scanner can tell (protocol/tool-text/scanner.ts,
// bounded). Chunks the repair did not change go on as the bytes the upstream sent.
import type { ChatChunk } from "../protocol/chat.ts";
import { eventText, type SseEvent } from "../protocol/sse.ts";
import type { ChatToolTextRepair } from "../protocol/tool-text/chat-repair.ts";
import { Batch } from "./frames.ts";
import type { Stage, StageStep } from "./stream.ts";

function eventOf(chunk: ChatChunk): SseEvent {
  const data = JSON.stringify(chunk);
  return { event: undefined, data, raw: eventText(data) };
}

/** `repaired(n)`: called once at the end with the number of calls made from text. */
export function toolTextStage(repair: ChatToolTextRepair, repaired: (calls: number) => void): Stage {
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    if (repair.calls > 0) repaired(repair.calls);
  };
  return {
    name: "tool-text",
    push(b): StageStep {
      const out: SseEvent[] = [];
      let changed = false;
      for (const ev of b.events) {
        const data = ev.data.trim();
        if (data === "[DONE]") {
          // Whatever is still held is resolved before the end.
          for (const c of repair.end()) out.push(eventOf(c));
          out.push(ev);
          changed = true;
          report();
          continue;
        }
        let chunk: ChatChunk;
        try {
          chunk = JSON.parse(data);
        } catch {
          out.push(ev); // not a chunk (a server's own keep-alive): not ours
          continue;
        }
        if (!chunk || typeof chunk !== "object" || !Array.isArray(chunk.choices)) {
          out.push(ev); // an error event, or something else: passed on as it came
          continue;
        }
        for (const c of repair.push(chunk)) {
          if (c === chunk) out.push(ev);
          else {
            out.push(eventOf(c));
            changed = true;
          }
        }
        if (out.at(-1) !== ev) changed = true;
      }
      return { out: changed ? Batch.encode(out) : b };
    },
    close() {
      // Ended without [DONE] (some servers): release what is held, as chunks.
      const rest = repair.end().map(eventOf);
      report();
      return { out: Batch.encode(rest) };
    },
  };
}
