// Shared checks for the translate tests: every event must pass the strict TypeBox schema,
// sequence numbers must count up from 0 without gaps, and the openai SDK's own accumulator
// must rebuild from the events the same Response object the state machine reports.
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { accumulateResponse } from "openai/lib/responses/ResponseAccumulator";
import { ResponseObject, ResponsesEvent } from "../../../../src/protocol/responses.ts";
import type { ChatChunk } from "../../../../src/protocol/chat.ts";
import { ChatToResponsesStream, type StreamOptions } from "../../../../src/protocol/translate/stream.ts";

const eventCheck = TypeCompiler.Compile(ResponsesEvent);
const responseCheck = TypeCompiler.Compile(ResponseObject);

export function assertValidEvents(events: ResponsesEvent[]): void {
  events.forEach((ev, i) => {
    if (!eventCheck.Check(ev)) {
      const first = eventCheck.Errors(ev).First();
      throw new Error(`event ${i} (${(ev as { type?: string }).type}) invalid at ${first?.path}: ${first?.message}`);
    }
    if (ev.sequence_number !== i) throw new Error(`event ${i} has sequence_number ${ev.sequence_number}`);
  });
}

export function assertValidResponse(r: unknown): void {
  if (!responseCheck.Check(r)) {
    const first = responseCheck.Errors(r).First();
    throw new Error(`response invalid at ${first?.path}: ${first?.message}`);
  }
}

/** Deterministic ids: resp_1, msg_2, … */
export function counterIds(): (prefix: string) => string {
  let n = 0;
  return (prefix) => `${prefix}_${++n}`;
}

export function chunk(delta: Record<string, unknown>, finish_reason: string | null = null): ChatChunk {
  return { id: "chatcmpl-1", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason }] } as ChatChunk;
}

export function usageChunk(prompt: number, completion: number, extra: Record<string, unknown> = {}): ChatChunk {
  return { choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...extra } } as ChatChunk;
}

/** Runs a whole stream: start, every chunk, then finish (or fail when `failWith` is given). */
export function runStream(
  chunks: ChatChunk[],
  opts: Partial<StreamOptions> = {},
  failWith?: { message: string; code?: string },
): { events: ResponsesEvent[]; stream: ChatToResponsesStream } {
  const stream = new ChatToResponsesStream({ model: "test-model", toolNames: {}, createdAt: 1700000000, newId: counterIds(), ...opts });
  const events = [...stream.start()];
  for (const c of chunks) events.push(...stream.push(c));
  events.push(...(failWith ? stream.fail(failWith) : stream.finish()));
  assertValidEvents(events);
  return { events, stream };
}

/** What the openai SDK's ResponseStream would hand its user for these events. */
export function sdkAccumulate(events: ResponsesEvent[]): unknown {
  let snap: unknown;
  // The SDK types its own event union; ours is a structural subset of it.
  for (const ev of events) snap = accumulateResponse(ev as never, snap as never);
  const { output_text: _derived, ...rest } = snap as Record<string, unknown>;
  return rest;
}

export const types = (events: ResponsesEvent[]): string[] => events.map((e) => e.type);
