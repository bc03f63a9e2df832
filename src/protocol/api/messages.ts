// Anthropic Messages (POST /v1/messages): the row Claude Code is served by. Its stream is
// named events (`event:` lines are required: Claude Code sees data-only events as none):
// message_start, then per content block start / deltas / stop, message_delta, message_stop.
// A final Message object replays as that sequence, so one cache entry answers a stream and
// Claude Code's non-streamed fallback alike.
import { Type } from "@sinclair/typebox";
import { ANTHROPIC_ERRORS, anthropicStreamErrorEvent } from "../errors.ts";
import { includesAscii } from "../bytes.ts";
import { splitText } from "./chunks.ts";
import { COMMON_FIELDS, TRANSPORT_AND_IDENTITY } from "./common.ts";
import type { Assembler, Json, Payload, ProtocolSpec } from "./spec.ts";
import { MessagesRequest } from "../messages.ts";
import { isBillingHeader, messagesToChat } from "../translate/messages-request.ts";
import { ChatToMessagesStream, chatCompletionToMessage } from "../translate/messages-stream.ts";
import { compiledOnUse } from "./compile-on-use.ts";

const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Message stream events merged into the final Message, one event at a time. */
export function messageAssembler(): Assembler {
  let message: Json | null = null;
  const blocks: Json[] = [];
  const toolJson = new Map<number, string>();
  return {
    push(ev) {
      const index = typeof ev.index === "number" ? ev.index : -1;
      switch (ev.type) {
        case "message_start":
          message = { ...obj(ev.message), content: [] };
          return;
        case "content_block_start": {
          const block = structuredClone(obj(ev.content_block));
          if (index < 0) return;
          blocks[index] = block;
          if (block.type === "tool_use" || block.type === "server_tool_use") toolJson.set(index, "");
          return;
        }
        case "content_block_delta": {
          const b = blocks[index];
          const d = obj(ev.delta);
          if (!b) return;
          if (d.type === "text_delta") b.text = str(b.text) + str(d.text);
          else if (d.type === "input_json_delta") toolJson.set(index, (toolJson.get(index) ?? "") + str(d.partial_json));
          else if (d.type === "thinking_delta") b.thinking = str(b.thinking) + str(d.thinking);
          else if (d.type === "signature_delta") b.signature = str(d.signature);
          return;
        }
        case "content_block_stop": {
          const json = toolJson.get(index);
          const b = blocks[index];
          if (json === undefined || !b) return;
          try {
            b.input = json.trim() ? JSON.parse(json) : {};
          } catch {
            b.input = {}; // a tool call cut mid-JSON: the answer is not complete anyway
          }
          toolJson.delete(index);
          return;
        }
        case "message_delta":
          if (!message) return;
          Object.assign(message, obj(ev.delta));
          message.usage = { ...obj(message.usage), ...obj(ev.usage) };
          return;
      }
    },
    finish() {
      if (!message) return null;
      return { ...(message as Json), content: blocks.filter(Boolean) };
    },
  };
}

// An answer cut by max_tokens is kept only as the client's, never stored (as chat's "length").
const COMPLETE_STOP = new Set(["end_turn", "tool_use", "stop_sequence"]);

/** A final Message as the stream Anthropic's API would send for it. */
export function messageToEvents(final: Json): Json[] {
  const usage = obj(final.usage);
  const out: Json[] = [
    {
      type: "message_start",
      message: { ...final, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 0 } },
    },
  ];
  arr(final.content).forEach((block, index) => {
    const delta = (d: Json) => out.push({ type: "content_block_delta", index, delta: d });
    if (block.type === "text") {
      out.push({ type: "content_block_start", index, content_block: { ...block, text: "" } });
      for (const text of splitText(str(block.text))) delta({ type: "text_delta", text });
    } else if (block.type === "tool_use" || block.type === "server_tool_use") {
      out.push({ type: "content_block_start", index, content_block: { ...block, input: {} } });
      // Claude Code ignores input in content_block_start: it must come as input_json_delta.
      for (const partial_json of splitText(JSON.stringify(block.input ?? {}), 2)) delta({ type: "input_json_delta", partial_json });
    } else if (block.type === "thinking") {
      out.push({ type: "content_block_start", index, content_block: { ...block, thinking: "", signature: "" } });
      for (const thinking of splitText(str(block.thinking))) delta({ type: "thinking_delta", thinking });
      if (str(block.signature)) delta({ type: "signature_delta", signature: str(block.signature) });
    } else {
      out.push({ type: "content_block_start", index, content_block: block });
    }
    out.push({ type: "content_block_stop", index });
  });
  out.push({
    type: "message_delta",
    delta: { stop_reason: final.stop_reason ?? "end_turn", stop_sequence: final.stop_sequence ?? null },
    usage: { output_tokens: usage.output_tokens ?? 0 },
  });
  out.push({ type: "message_stop" });
  return out;
}

// Events that only announce the answer; a delta is content, and so is an error (not ours to judge).
const PRELUDE = new Set(["message_start", "ping", "content_block_start", "content_block_stop"]);

function isContent(data: string): boolean {
  let ev: Json;
  try {
    ev = JSON.parse(data);
  } catch {
    return true;
  }
  return !PRELUDE.has(str(ev?.type));
}

// Quoted forms: a quote inside answer text is escaped, so these only match the event types.
function streamEnd(bytes: Uint8Array): "done" | "failed" | null {
  if (includesAscii(bytes, '"type":"message_stop"')) return "done";
  if (includesAscii(bytes, '"type":"error"') || includesAscii(bytes, "event: error")) return "failed";
  return null;
}

/** System blocks without the per-request billing line (Claude Code's `cc_version=…`): it names the client, not the question. */
function withoutBilling(system: unknown): unknown {
  if (!Array.isArray(system)) return system;
  return system.filter((b) => !(b && typeof b === "object" && isBillingHeader(str((b as Json).text))));
}

/** cache_control says how long Anthropic keeps a prefix, not what the answer is. */
function withoutCacheControl(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutCacheControl);
  if (v === null || typeof v !== "object") return v;
  const out: Json = {};
  for (const [k, inner] of Object.entries(v as Json)) if (k !== "cache_control") out[k] = withoutCacheControl(inner);
  return out;
}

const BILLING_MARK = "x-anthropic-billing-header";

/** The body without the billing line, for local upstreams (it changes per request and defeats their prefix cache). */
function localBody(text: string): string {
  if (!text.includes(BILLING_MARK)) return text;
  const body = JSON.parse(text) as Json;
  const system = withoutBilling(body.system);
  if (Array.isArray(system) && Array.isArray(body.system) && system.length === body.system.length) return text;
  return JSON.stringify({ ...body, system });
}

const strictCheck = compiledOnUse(MessagesRequest);

const lenientCheck = compiledOnUse(
  Type.Object({
    ...COMMON_FIELDS,
    messages: Type.Array(Type.Unknown()),
    max_tokens: Type.Optional(Type.Number()),
  }),
);

export const messages: ProtocolSpec = {
  api: "messages",
  path: "/messages",
  // Lenient: what the gateway reads. Anything else Claude Code sends (thinking, output_config,
  // context_management, cache_control…) passes; a 400 would make it retry with features cut.
  get check() {
    return lenientCheck();
  },
  streams: true,
  deterministic: false,
  prompt: { turns: "messages", instructions: "system" },
  keyFields: [
    "messages",
    "system",
    "tools",
    "tool_choice",
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "thinking",
    "output_config",
    "container",
    "mcp_servers",
  ],
  keyExcluded: [
    ...TRANSPORT_AND_IDENTITY,
    // How the server manages its context (clearing old thinking), not what this turn answers.
    "context_management",
  ],
  keyView: {
    system: (v) => withoutCacheControl(withoutBilling(v)),
    messages: withoutCacheControl,
    tools: withoutCacheControl,
  },
  fallbackWire: "chat",
  // Compiled when first needed (a chat-only target), not at start-up.
  get translationCheck() {
    return strictCheck();
  },
  fromChat: {
    request: (body, o) => messagesToChat(body as MessagesRequest, o),
    stream: (o) => new ChatToMessagesStream({ model: o.model, messageId: o.id, toolNames: o.toolNames, inputTokens: o.inputTokens }),
    whole: (c, o) => chatCompletionToMessage(c, { model: o.model, messageId: o.id, toolNames: o.toolNames }) as unknown as Json,
  },
  conversations: false,
  errors: ANTHROPIC_ERRORS,
  localBody,
  maxTokensField: "max_tokens",
  freshId: (hex) => `msg_${hex(12)}`,
  isContent,
  streamEnd,
  terminalError: (e) => anthropicStreamErrorEvent(e),
  isAnswer: (final) => final.type === "message",
  assembler: messageAssembler,
  complete: (final) => final.type === "message" && COMPLETE_STOP.has(str(final.stop_reason)),
  toEvents: messageToEvents,
  replay: (payloads, _final, o) =>
    payloads.map((p): Payload => {
      const ev = p.type === "message_start" ? { ...p, message: { ...obj(p.message), id: o.id, model: o.model } } : p;
      return { event: str(p.type) || undefined, data: JSON.stringify(ev) };
    }),
  identify: (final, id, model) => ({ ...final, id, model }), // shallow, as chunks.ts identify says
};
