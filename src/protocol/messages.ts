// Anthropic Messages API shapes. The request is lenient: only the fields the translator
// reads are typed, every object allows unknown keys, and unknown block or tool types pass,
// because Claude Code answers a 400 by retrying with features removed (six requests in
// all, shared/fixtures/claude-code/README.md), so refusing what we do not use costs more
// than ignoring it. What Wayfront *emits* — the Message object and the streaming events —
// is strict (additionalProperties: false), so tests catch a misspelt field before Claude
// Code or the Anthropic SDK do. Field sets follow the Anthropic SDK's
// `resources/messages/messages.d.ts` and the streams Claude Code 2.1.332 accepted.
import { Type, type Static, type TSchema } from "@sinclair/typebox";

const Str = Type.String();
const Int = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Strict = { additionalProperties: false } as const;

/** A `type` tag other than the listed ones, so a known type must still pass its own schema. */
const OtherType = (known: readonly string[]) => Type.Intersect([Str, Type.Not(Type.Union(known.map((k) => Type.Literal(k))))]);

// ---- request (lenient) ----

export const TextBlockParam = Type.Object({ type: Type.Literal("text"), text: Str });
export type TextBlockParam = Static<typeof TextBlockParam>;

export const ImageSource = Type.Union([
  Type.Object({ type: Type.Literal("base64"), media_type: Str, data: Str }),
  Type.Object({ type: Type.Literal("url"), url: Str }),
  // `file` (Files API ids) and whatever comes next: the translator drops it with a warning.
  Type.Object({ type: OtherType(["base64", "url"]) }),
]);
export type ImageSource = Static<typeof ImageSource>;

export const ImageBlockParam = Type.Object({ type: Type.Literal("image"), source: ImageSource });
export type ImageBlockParam = Static<typeof ImageBlockParam>;

/** document, tool_reference, search_result, server_tool_use, …: accepted, dropped with a warning. */
export const OtherBlockParam = Type.Object({
  type: OtherType(["text", "image", "tool_use", "tool_result", "thinking", "redacted_thinking"]),
});

export const ToolResultBlockParam = Type.Object({
  type: Type.Literal("tool_result"),
  tool_use_id: Str,
  content: Type.Optional(Type.Union([Str, Type.Array(Type.Union([TextBlockParam, ImageBlockParam, OtherBlockParam]))])),
  is_error: Type.Optional(Type.Boolean()),
});
export type ToolResultBlockParam = Static<typeof ToolResultBlockParam>;

export const ToolUseBlockParam = Type.Object({ type: Type.Literal("tool_use"), id: Str, name: Str, input: Type.Unknown() });
export type ToolUseBlockParam = Static<typeof ToolUseBlockParam>;

/** Claude Code sends thinking back exactly as streamed: `signature: ""` when none was sent. */
export const ThinkingBlockParam = Type.Object({ type: Type.Literal("thinking"), thinking: Str, signature: Type.Optional(Str) });
export type ThinkingBlockParam = Static<typeof ThinkingBlockParam>;

export const RedactedThinkingBlockParam = Type.Object({ type: Type.Literal("redacted_thinking"), data: Type.Optional(Str) });

export const ContentBlockParam = Type.Union([
  TextBlockParam,
  ImageBlockParam,
  ToolUseBlockParam,
  ToolResultBlockParam,
  ThinkingBlockParam,
  RedactedThinkingBlockParam,
  OtherBlockParam,
]);
export type ContentBlockParam = Static<typeof ContentBlockParam>;

export const MessageParam = Type.Object({
  // "system" is not in Anthropic's public API, but Claude Code sends it inside `messages`.
  role: Type.Union([Type.Literal("user"), Type.Literal("assistant"), Type.Literal("system")]),
  content: Type.Union([Str, Type.Array(ContentBlockParam)]),
});
export type MessageParam = Static<typeof MessageParam>;

export const ClientTool = Type.Object({
  type: Type.Optional(Type.Literal("custom")),
  name: Str,
  description: Type.Optional(Str),
  input_schema: Type.Optional(Type.Unknown()),
  defer_loading: Type.Optional(Type.Boolean()),
});
export type ClientTool = Static<typeof ClientTool>;

/** Tools Anthropic runs itself (`web_search_20250305`, `code_execution_…`): dropped with a warning. */
export const ServerTool = Type.Object({ type: OtherType(["custom"]), name: Type.Optional(Str) });

export const MessagesTool = Type.Union([ClientTool, ServerTool]);
export type MessagesTool = Static<typeof MessagesTool>;

export const MessagesToolChoice = Type.Object({
  type: Type.Union([Type.Literal("auto"), Type.Literal("any"), Type.Literal("tool"), Type.Literal("none")]),
  name: Type.Optional(Str),
  disable_parallel_tool_use: Type.Optional(Type.Boolean()),
});
export type MessagesToolChoice = Static<typeof MessagesToolChoice>;

export const MessagesRequest = Type.Object({
  model: Str,
  messages: Type.Array(MessageParam),
  system: Type.Optional(Type.Union([Str, Type.Array(TextBlockParam)])),
  tools: Type.Optional(Type.Array(MessagesTool)),
  tool_choice: Type.Optional(MessagesToolChoice),
  // Required by Anthropic, but count_tokens bodies have none; the translator copes without.
  max_tokens: Type.Optional(Type.Number()),
  temperature: Type.Optional(Type.Number()),
  top_p: Type.Optional(Type.Number()),
  top_k: Type.Optional(Type.Number()),
  stop_sequences: Type.Optional(Type.Array(Str)),
  stream: Type.Optional(Type.Boolean()),
  metadata: Type.Optional(Type.Object({ user_id: Type.Optional(Nullable(Str)) })),
  // Not forwarded, so not narrowed: types are enabled | disabled | adaptive today, and a new
  // one must not turn into a 400.
  thinking: Type.Optional(Type.Object({ type: Str, budget_tokens: Type.Optional(Type.Number()), display: Type.Optional(Str) })),
  context_management: Type.Optional(Type.Unknown()),
  output_config: Type.Optional(Type.Object({ effort: Type.Optional(Str) })),
});
export type MessagesRequest = Static<typeof MessagesRequest>;

// ---- the Message object (strict) ----

export const TextBlock = Type.Object({ type: Type.Literal("text"), text: Str }, Strict);
export type TextBlock = Static<typeof TextBlock>;

export const ToolUseBlock = Type.Object({ type: Type.Literal("tool_use"), id: Str, name: Str, input: Type.Record(Str, Type.Unknown()) }, Strict);
export type ToolUseBlock = Static<typeof ToolUseBlock>;

export const ThinkingBlock = Type.Object({ type: Type.Literal("thinking"), thinking: Str, signature: Str }, Strict);
export type ThinkingBlock = Static<typeof ThinkingBlock>;

export const ContentBlock = Type.Union([TextBlock, ToolUseBlock, ThinkingBlock]);
export type ContentBlock = Static<typeof ContentBlock>;

export const StopReason = Type.Union([
  Type.Literal("end_turn"),
  Type.Literal("max_tokens"),
  Type.Literal("stop_sequence"),
  Type.Literal("tool_use"),
  Type.Literal("pause_turn"),
  Type.Literal("refusal"),
]);
export type StopReason = Static<typeof StopReason>;

// Anthropic's API also reports the service tier it ran on (the recorded Claude Code streams carry it).
const CacheCounts = {
  cache_creation_input_tokens: Type.Optional(Int),
  cache_read_input_tokens: Type.Optional(Int),
  service_tier: Type.Optional(Str),
};

export const MessageUsage = Type.Object({ input_tokens: Int, output_tokens: Int, ...CacheCounts }, Strict);
export type MessageUsage = Static<typeof MessageUsage>;

export const MessageObject = Type.Object(
  {
    id: Str,
    type: Type.Literal("message"),
    role: Type.Literal("assistant"),
    model: Str,
    content: Type.Array(ContentBlock),
    stop_reason: Nullable(StopReason),
    stop_sequence: Nullable(Str),
    usage: MessageUsage,
  },
  Strict,
);
export type MessageObject = Static<typeof MessageObject>;

// ---- streaming events (strict) ----

const ev = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) => Type.Object({ type: Type.Literal(type), ...props }, Strict);

/** A block as it opens: empty text, empty thinking, tool input `{}` (Claude Code ignores it anyway). */
const StartBlock = Type.Union([
  Type.Object({ type: Type.Literal("text"), text: Type.Literal("") }, Strict),
  Type.Object({ type: Type.Literal("tool_use"), id: Str, name: Str, input: Type.Object({}, Strict) }, Strict),
  Type.Object({ type: Type.Literal("thinking"), thinking: Type.Literal(""), signature: Type.Literal("") }, Strict),
]);

const Delta = Type.Union([
  Type.Object({ type: Type.Literal("text_delta"), text: Str }, Strict),
  Type.Object({ type: Type.Literal("input_json_delta"), partial_json: Str }, Strict),
  Type.Object({ type: Type.Literal("thinking_delta"), thinking: Str }, Strict),
  Type.Object({ type: Type.Literal("signature_delta"), signature: Str }, Strict),
]);

export const MessageStartEvent = ev("message_start", { message: MessageObject });
export const ContentBlockStartEvent = ev("content_block_start", { index: Int, content_block: StartBlock });
export const ContentBlockDeltaEvent = ev("content_block_delta", { index: Int, delta: Delta });
export const ContentBlockStopEvent = ev("content_block_stop", { index: Int });
export const MessageDeltaEvent = ev("message_delta", {
  delta: Type.Object({ stop_reason: Nullable(StopReason), stop_sequence: Nullable(Str) }, Strict),
  // Whole-message totals; the SDK overwrites its snapshot with each one present.
  usage: Type.Object({ output_tokens: Int, input_tokens: Type.Optional(Int), ...CacheCounts }, Strict),
});
export const MessageStopEvent = ev("message_stop", {});
export const PingEvent = ev("ping", {});
export const ErrorEvent = ev("error", { error: Type.Object({ type: Str, message: Str }, Strict) });

export const MessagesStreamEvent = Type.Union([
  MessageStartEvent,
  ContentBlockStartEvent,
  ContentBlockDeltaEvent,
  ContentBlockStopEvent,
  MessageDeltaEvent,
  MessageStopEvent,
  PingEvent,
  ErrorEvent,
]);
export type MessagesStreamEvent = Static<typeof MessagesStreamEvent>;
/** The name the state machine and the serializer use. */
export type MessagesEvent = MessagesStreamEvent;
