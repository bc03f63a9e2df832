// Responses (POST /v1/responses): the row. Its stream is typed events with a
// sequence_number; the final object is what response.completed carries, and a final object
// replays as the event sequence the Responses streaming reference describes.
import { Type } from "@sinclair/typebox";
import { OPENAI_ERRORS, responsesStreamErrorEvent } from "../errors.ts";
import { splitText } from "./chunks.ts";
import { includesAscii } from "../bytes.ts";
import { COMMON_FIELDS, TRANSPORT_AND_IDENTITY } from "./common.ts";
import type { Json, Payload, ProtocolSpec } from "./spec.ts";
import { ResponsesRequest } from "../responses.ts";
import { responsesToChat } from "../translate/request.ts";
import { ChatToResponsesStream } from "../translate/stream.ts";
import { chatCompletionToResponse } from "../translate/final.ts";
import { compiledOnUse } from "./compile-on-use.ts";

const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const TERMINAL = /^response\.(completed|incomplete|failed)$/;

/** Responses: the final object is what response.completed (or .incomplete/.failed) carries. */
export function assembleResponse(events: unknown[]): Json | null {
  let last: Json | null = null;
  for (const e of events) {
    const ev = e as Json | null;
    if (ev && typeof ev.type === "string" && TERMINAL.test(ev.type)) last = ev.response as Json;
  }
  return last;
}

/** Only `completed` (not `incomplete`, `failed`, `cancelled`, `in_progress`). */
export function isCompleteResponse(final: unknown): boolean {
  return final !== null && typeof final === "object" && (final as { status?: unknown }).status === "completed";
}

/** A non-stream Response object as its streaming event sequence; sequence_number from 0. */
export function responseToEvents(final: Json): Json[] {
  const out: Json[] = [];
  const emit = (type: string, fields: Json) => out.push({ type, sequence_number: out.length, ...fields });
  const pending = { ...final, status: "in_progress", output: [], usage: null };
  emit("response.created", { response: pending });
  emit("response.in_progress", { response: pending });
  arr(final.output).forEach((item, output_index) => {
    emit("response.output_item.added", { output_index, item: openedItem(item) });
    if (item.type === "message") messageEvents(item, output_index, emit);
    else if (item.type === "function_call") {
      const args = typeof item.arguments === "string" ? item.arguments : "";
      for (const delta of splitText(args, 2)) emit("response.function_call_arguments.delta", { item_id: item.id, output_index, delta });
      emit("response.function_call_arguments.done", { item_id: item.id, output_index, arguments: args });
    }
    emit("response.output_item.done", { output_index, item });
  });
  const terminal = final.status === "incomplete" ? "response.incomplete" : final.status === "failed" ? "response.failed" : "response.completed";
  emit(terminal, { response: final });
  return out;
}

// The item as first announced: in progress, with its text or arguments still empty.
function openedItem(item: Json): Json {
  if (item.type === "message") return { ...item, status: "in_progress", content: [] };
  if (item.type === "function_call") return { ...item, status: "in_progress", arguments: "" };
  return item;
}

function messageEvents(item: Json, output_index: number, emit: (type: string, fields: Json) => void): void {
  arr(item.content).forEach((part, content_index) => {
    const at = { item_id: item.id, output_index, content_index };
    if (part.type !== "output_text") {
      emit("response.content_part.added", { ...at, part });
      emit("response.content_part.done", { ...at, part });
      return;
    }
    const text = typeof part.text === "string" ? part.text : "";
    emit("response.content_part.added", { ...at, part: { ...part, text: "", annotations: [] } });
    for (const delta of splitText(text)) emit("response.output_text.delta", { ...at, delta });
    emit("response.output_text.done", { ...at, text });
    emit("response.content_part.done", { ...at, part });
  });
}

// Events that only announce an answer; anything else is its content (or its end).
const PRELUDE = new Set(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);

function isContent(data: string): boolean {
  let ev: Json;
  try {
    ev = JSON.parse(data);
  } catch {
    return true; // not ours to judge: let the client see it
  }
  if (ev?.error) return true;
  return !PRELUDE.has(typeof ev?.type === "string" ? ev.type : "");
}

/** The terminal response events end a Responses stream; an `error` event fails it. */
function streamEnd(bytes: Uint8Array): "done" | "failed" | null {
  if (includesAscii(bytes, "response.completed") || includesAscii(bytes, "response.incomplete")) return "done";
  if (includesAscii(bytes, "response.failed") || includesAscii(bytes, '"type":"error"') || includesAscii(bytes, "event: error")) return "failed";
  return null;
}

// The error event continues the stream's sequence numbering.
const SEQ = /"sequence_number":\s*(\d+)/g;

function terminalError(e: unknown, last: Payload | null): string {
  const seqs = last ? [...last.data.matchAll(SEQ)] : [];
  const next = seqs.length ? Number(seqs[seqs.length - 1][1]) + 1 : 0;
  return responsesStreamErrorEvent(e, next);
}

const strictCheck = compiledOnUse(ResponsesRequest);

const lenientCheck = compiledOnUse(
  Type.Object({
    ...COMMON_FIELDS,
    input: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Unknown())])),
    previous_response_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
);

export const responses: ProtocolSpec = {
  api: "responses",
  path: "/responses",
  get check() {
    return lenientCheck();
  },
  streams: true,
  deterministic: false,
  prompt: { turns: "input", textTurns: true, instructions: "instructions" },
  keyFields: [
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "max_tool_calls",
    "temperature",
    "top_p",
    "top_logprobs",
    "seed",
    "max_output_tokens",
    "stop",
    "reasoning",
    "text",
    "truncation",
    "previous_response_id",
    "conversation",
    "prompt",
    "background",
    // `include` decides what the answer carries (e.g. reasoning.encrypted_content, logprobs):
    // an entry recorded without it would replay an answer missing what was asked for. Codex
    // sends the same list every turn, so keeping it costs no hits there.
    "include",
  ],
  keyExcluded: [
    ...TRANSPORT_AND_IDENTITY,
    "prompt_cache_key", // Codex sets it to the session id: including it means no cross-session hit
    "prompt_cache_retention", // how long the upstream keeps its prefix cache
    "client_metadata", // Codex: session/turn ids and timestamps, new every turn
  ],
  // Codex stamps msg_<uuid>/fco_<uuid> per session and echoes upstream item ids (fc_…): they
  // name the item, not its meaning. `call_id` links an output to its call, so it stays.
  itemIdsIn: "input",
  fallbackWire: "chat",
  // Compiled when first needed (a chat-only target), not at start-up: it is the largest schema.
  get translationCheck() {
    return strictCheck();
  },
  fromChat: {
    request: (body, o) => responsesToChat(body as ResponsesRequest, o),
    stream: (o) => new ChatToResponsesStream({ model: o.model, toolNames: o.toolNames, responseId: o.id, request: o.request as ResponsesRequest }),
    whole: (c, o) =>
      chatCompletionToResponse(c, { model: o.model, toolNames: o.toolNames, responseId: o.id, request: o.request as ResponsesRequest }),
  },
  conversations: true,
  errors: OPENAI_ERRORS,
  freshId: (hex) => `resp_${hex(24)}`,
  isContent,
  streamEnd,
  terminalError,
  // A Response object (the upstream's own error comes as {"error": …} with no id).
  isAnswer: (final) => typeof final.id === "string" && (final.error == null || typeof final.status === "string"),
  assembler: () => {
    let last: Json | null = null;
    return {
      push: (ev) => {
        if (typeof ev.type === "string" && TERMINAL.test(ev.type)) last = ev.response as Json;
      },
      finish: () => last,
    };
  },
  complete: isCompleteResponse,
  toEvents: responseToEvents,
  replay: (payloads, _final, o) =>
    payloads.map((p) => {
      const ev = p.response && typeof p.response === "object" ? { ...p, response: { ...(p.response as Json), id: o.id, model: o.model } } : p;
      return { event: typeof p.type === "string" ? p.type : undefined, data: JSON.stringify(ev) };
    }),
  identify: (final, id, model) => ({ ...final, id, model }), // shallow, as chunks.ts identify says
};
