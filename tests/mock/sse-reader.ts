// Reading a gateway's SSE response in tests, through the project's own incremental parser
// so tests exercise the same framing rules the gateway uses.

import { SseParser } from "../../src/protocol/sse.ts";

export interface SseMessage {
  event?: string;
  data: string;
}

/** Yields events as they arrive; a stream cut mid-event throws (the test should see it). */
export async function* iterSse(res: Response): AsyncGenerator<SseMessage> {
  if (!res.body) return;
  const parser = new SseParser();
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const ev of parser.push(value)) yield ev.event === undefined ? { data: ev.data } : { event: ev.event, data: ev.data };
    }
  } finally {
    reader.releaseLock();
  }
  const rest = parser.rest();
  if (rest.trim() === "") return;
  // The recorded Codex streams end "…}\n" with no blank line, and Codex accepts them: a
  // last event whose lines are complete counts. A stream cut inside a line does not.
  if (!/[\r\n]$/.test(rest)) throw new Error(`SSE stream ended mid-event: ${JSON.stringify(rest.slice(0, 200))}`);
  for (const ev of parser.push("\n\n")) yield ev.event === undefined ? { data: ev.data } : { event: ev.event, data: ev.data };
}

export async function readSse(res: Response): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const ev of iterSse(res)) out.push(ev);
  return out;
}
