// Shared checks for the Messages translation tests: every event must pass the strict TypeBox
// schema and follow the order Claude Code needs, and the official Anthropic SDK's accumulator
// must rebuild from the serialized events the same Message the state machine reports.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { MessageStream } from "@anthropic-ai/sdk/lib/MessageStream";
import { Stream } from "@anthropic-ai/sdk/streaming";
import type { ChatChunk, ChatUsage } from "../../../../src/protocol/chat.ts";
import { MessageObject, type MessagesEvent, MessagesStreamEvent } from "../../../../src/protocol/messages.ts";
import { ChatToMessagesStream, type MessagesStreamOptions, serializeMessagesEvent } from "../../../../src/protocol/translate/messages-stream.ts";

const FIXTURES = fileURLToPath(new URL("../../../fixtures/claude-code/", import.meta.url));

/** Every recorded Claude Code request: [file name, {method, path, query, headers, body, …}]. */
export function claudeFixtures(): [string, any][] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(FIXTURES + f, "utf8"))]);
}

export const claudeFixture = (name: string): any => JSON.parse(readFileSync(FIXTURES + name, "utf8"));

const eventCheck = TypeCompiler.Compile(MessagesStreamEvent);
const messageCheck = TypeCompiler.Compile(MessageObject);

export function assertValidMessage(m: unknown): void {
  if (!messageCheck.Check(m)) {
    const first = messageCheck.Errors(m).First();
    throw new Error(`message invalid at ${first?.path}: ${first?.message}`);
  }
}

/**
 * Each event passes the strict schema, and the sequence is: message_start, then blocks with
 * indexes 0,1,2… each start → deltas of its own index → stop, one open at a time, then
 * message_delta and message_stop (or a lone error at the end).
 */
export function assertValidEvents(events: MessagesEvent[]): void {
  let open: number | null = null;
  let next = 0;
  let phase: "before" | "blocks" | "delta" | "stopped" = "before";
  events.forEach((ev, i) => {
    const where = `event ${i} (${ev.type})`;
    if (!eventCheck.Check(ev)) {
      const first = eventCheck.Errors(ev).First();
      throw new Error(`${where} invalid at ${first?.path}: ${first?.message}`);
    }
    if (phase === "stopped") throw new Error(`${where} after the end`);
    if (ev.type === "error") {
      if (i !== events.length - 1) throw new Error(`${where} is not last`);
      phase = "stopped";
      return;
    }
    if ((phase === "before") !== (ev.type === "message_start")) throw new Error(`${where}: message_start must come first, once`);
    if (ev.type === "message_start") phase = "blocks";
    else if (ev.type === "content_block_start") {
      if (phase !== "blocks" || open !== null || ev.index !== next) throw new Error(`${where}: index ${ev.index}, expected ${next} with none open`);
      open = next++;
    } else if (ev.type === "content_block_delta" || ev.type === "content_block_stop") {
      if (ev.index !== open) throw new Error(`${where}: index ${ev.index} is not the open block (${open})`);
      if (ev.type === "content_block_stop") open = null;
    } else if (ev.type === "message_delta") {
      if (phase !== "blocks" || open !== null) throw new Error(`${where}: a block is still open`);
      phase = "delta";
    } else if (ev.type === "message_stop") {
      if (phase !== "delta") throw new Error(`${where}: no message_delta before it`);
      phase = "stopped";
    }
  });
}

/** Deterministic ids: msg_1, toolu_2, … */
export function counterIds(): (prefix: string) => string {
  let n = 0;
  return (prefix) => `${prefix}_${++n}`;
}

export function chunk(delta: Record<string, unknown>, finish_reason: string | null = null): ChatChunk {
  return { id: "chatcmpl-1", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason }] } as ChatChunk;
}

export function usageChunk(prompt: number, completion: number, cached?: number): ChatChunk {
  const usage: ChatUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cached !== undefined) usage.prompt_tokens_details = { cached_tokens: cached };
  return { choices: [], usage };
}

/** Runs a whole stream: start, every chunk, then finish (or fail when `failWith` is given); checks every event. */
export function runStream(
  chunks: ChatChunk[],
  opts: Partial<MessagesStreamOptions> = {},
  failWith?: { message: string; code?: string },
): { events: MessagesEvent[]; stream: ChatToMessagesStream } {
  const stream = new ChatToMessagesStream({ model: "claude-opus-5-5", toolNames: {}, newId: counterIds(), ...opts });
  const events = [...stream.start()];
  for (const c of chunks) events.push(...stream.push(c));
  events.push(...(failWith ? stream.fail(failWith) : stream.finish()));
  assertValidEvents(events);
  return { events, stream };
}

/**
 * What the Anthropic SDK hands its user for these events sent as SSE: its SSE decoder
 * (Stream.fromSSEResponse, which needs the `event:` lines) feeding MessageStream's own
 * accumulator (through fromReadableStream, which takes one JSON event per line).
 */
export async function sdkFinalMessage(events: MessagesEvent[]): Promise<unknown> {
  const sse = events.map(serializeMessagesEvent).join("");
  const decoded: unknown[] = [];
  for await (const ev of Stream.fromSSEResponse(new Response(sse), new AbortController())) decoded.push(ev);
  const ndjson = new Response(decoded.map((e) => `${JSON.stringify(e)}\n`).join("")).body!;
  const message = await MessageStream.fromReadableStream(ndjson).finalMessage();
  // The SDK's snapshot keeps the (absent) stop_details as an own key set to undefined, and
  // adds `parsed_output` (its structured-output helper, null without an output format).
  const { parsed_output, ...wire } = JSON.parse(JSON.stringify(message));
  if (parsed_output !== null) throw new Error(`unexpected parsed_output ${JSON.stringify(parsed_output)}`);
  return wire;
}

export const types = (events: MessagesEvent[]): string[] => events.map((e) => e.type);
