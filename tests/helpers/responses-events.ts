// Responses stream events as a client receives them, each checked against the strict TypeBox
// schemas of src/protocol/responses.ts, with sequence numbers counting 0, 1, 2… and each SSE
// `event:` name equal to the payload's type.
import { expect } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ResponsesEvent } from "../../src/protocol/responses.ts";

const EventCheck = TypeCompiler.Compile(ResponsesEvent);

export function validEvents(raw: { event?: string; data: string }[]): any[] {
  const events = raw.map((m) => {
    const ev = JSON.parse(m.data);
    if (!EventCheck.Check(ev)) {
      const e = EventCheck.Errors(ev).First();
      throw new Error(`invalid ${ev.type} event at ${e?.path}: ${e?.message}\n${m.data}`);
    }
    expect(m.event).toBe(ev.type);
    return ev;
  });
  for (const [i, ev] of events.entries()) expect(ev.sequence_number).toBe(i);
  return events;
}
